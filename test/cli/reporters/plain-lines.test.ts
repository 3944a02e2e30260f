import { describe, expect, it } from 'vitest';
import { plainLinesReporter } from '../../../src/cli/reporters/plain-lines.js';
import { RandomSampler } from '../../../src/samplers/random.js';
import { BASELINE_ATTR } from '../../../src/storage/metadata.js';
import { InMemoryStorage } from '../../../src/storage/memory.js';
import type { Study } from '../../../src/study/study.js';
import { createStudy } from '../../../src/study/create.js';

/** A study on `storage` with the plain reporter started on it; `lines` collects what it prints. */
async function reportedStudy(storage: InMemoryStorage): Promise<{ study: Study; lines: string[]; reporter: ReturnType<typeof plainLinesReporter> }> {
  const study = await createStudy({ name: 'shared', storage, sampler: new RandomSampler({ seed: 1 }) });
  const lines: string[] = [];
  const reporter = plainLinesReporter((line) => lines.push(line));
  reporter.studyStart?.({ study, metric: 'loss', samplerName: 'random', prunerName: 'none', maxTrials: undefined, timeoutSeconds: undefined, resumedFrom: 0 });
  return { study, lines, reporter };
}

/** Ask a trial of `study`, tell it `value` and report its end, as the orchestrator does. */
async function runTrial(study: Study, reporter: ReturnType<typeof plainLinesReporter>, value: number): Promise<void> {
  const trial = await study.ask();
  trial.suggestFloat('x', 0, 1);
  reporter.trialFinish?.(await study.tell(trial, value), study);
}

/** A COMPLETE trial written straight to storage, as a `sodate worker` on the same study would. */
async function otherProcessTrial(storage: InMemoryStorage, study: Study, value: number): Promise<number> {
  const trial = await storage.createTrial(study.id);
  await storage.finishTrial(trial!.id, 'COMPLETE', [value]);
  return trial!.number;
}

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

  it('shows the study\'s best with a better trial another process finished in a shared study', async () => {
    const storage = new InMemoryStorage();
    const { study, lines, reporter } = await reportedStudy(storage);
    await runTrial(study, reporter, 5);
    const other = await otherProcessTrial(storage, study, 1.5);
    // The next ask refreshes the study's history, which then holds the other process's trial.
    await runTrial(study, reporter, 3);
    expect(lines.at(-1)).toContain(`best=1.5 (#${other})`);
  });

  it('keeps a better trial this process told after the study\'s last refresh', async () => {
    const storage = new InMemoryStorage();
    const { study, lines, reporter } = await reportedStudy(storage);
    const first = await study.ask();
    first.suggestFloat('x', 0, 1);
    const second = await study.ask();
    second.suggestFloat('x', 0, 1);
    reporter.trialFinish?.(await study.tell(first, 0.5), study);
    // The study's history was last read when `second` was asked: `first` is RUNNING there.
    reporter.trialFinish?.(await study.tell(second, 2), study);
    expect(lines.at(-1)).toContain(`best=0.5 (#${first.number})`);
  });

  it('ends with how far the best improves on the baseline, in the direction of the study', async () => {
    const storage = new InMemoryStorage();
    const { study, lines, reporter } = await reportedStudy(storage);
    await study.enqueueTrial({ x: 0.5 }, { userAttrs: { [BASELINE_ATTR]: true } });
    await runTrial(study, reporter, 0.75);
    await runTrial(study, reporter, 0.25);
    await study.refresh();
    reporter.studyEnd?.(study, 'budget');
    expect(lines.at(-1)).toBe('baseline (trial 0) loss=0.75; best improves on it by 0.5');
  });
});

describe('a pruned trial\'s line', () => {
  async function prunedLine(values: readonly number[]): Promise<string | undefined> {
    const { study, lines, reporter } = await reportedStudy(new InMemoryStorage());
    const trial = await study.ask();
    trial.suggestFloat('x', 0, 1);
    for (const [step, v] of values.entries()) await trial.report(step, v);
    reporter.trialFinish?.(await study.tell(trial, { state: 'pruned' }), study);
    return lines.at(-1);
  }

  it('says at which step it stopped', async () => {
    expect(await prunedLine([0.5, 0.4])).toMatch(/^trial 0 PRUNED   pruned at step 1 /);
  });

  it('says a NaN or infinite last value is a diverged run', async () => {
    expect(await prunedLine([0.5, NaN])).toMatch(/pruned at step 1: it reported NaN \(a diverged run\)/);
    expect(await prunedLine([Infinity])).toMatch(/pruned at step 0: it reported Infinity \(a diverged run\)/);
  });

  it('says a trial pruned before it reported anything was', async () => {
    expect(await prunedLine([])).toMatch(/pruned before its first report/);
  });
});
