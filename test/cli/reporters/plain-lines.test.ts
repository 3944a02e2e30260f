import { describe, expect, it } from 'vitest';
import { plainLinesReporter } from '../../../src/cli/reporters/plain-lines.js';
import { RandomSampler } from '../../../src/samplers/random.js';
import { InMemoryStorage } from '../../../src/storage/memory.js';
import { createStudy } from '../../../src/study/create.js';

describe('the plain-lines reporter', () => {
  it('counts only finished trials as done when a study is resumed (those still marked running get the orchestrator\'s notice)', async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), sampler: new RandomSampler({ seed: 1 }) });
    const done = await study.ask();
    done.suggestFloat('x', 0, 1);
    await study.tell(done, 0.5);
    const running = await study.ask();
    running.suggestFloat('x', 0, 1);
    await running.flush();
    await study.refresh();
    const lines: string[] = [];
    plainLinesReporter((line) => lines.push(line)).studyStart?.({ study, metric: 'loss', samplerName: 'random', prunerName: 'none', maxTrials: 5, timeoutSeconds: undefined, resumedFrom: 2 });
    expect(lines[0]).toMatch(/ \(resuming: 1 trial\(s\) already done\)$/);
  });
});
