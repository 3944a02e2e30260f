import { describe, expect, it } from 'vitest';
import { plainLinesReporter } from '../../src/cli/reporters/plain-lines.js';
import type { Study } from '../../src/study/study.js';
import { makeTrial } from '../helpers/trials.js';

describe('plainLinesReporter', () => {
  it('prints one line per finished trial, and the backend the objective reported once', () => {
    const lines: string[] = [];
    const reporter = plainLinesReporter((line) => lines.push(line));
    const study = {} as Study;
    for (let number = 0; number < 2; number++) {
      reporter.trialFinish?.({ ...makeTrial({ number, value: 1 - number / 10 }), userAttrs: { backend: 'wasm (SIMD, 1 thread)' } }, study);
    }
    expect(lines[0]).toBe('backend: wasm (SIMD, 1 thread)');
    expect(lines.slice(1).map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual(['trial 0 COMPLETE', 'trial 1 COMPLETE']);
    expect(lines.filter((l) => l.startsWith('backend:'))).toHaveLength(1);
  });
});
