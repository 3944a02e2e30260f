import { describe, expect, it } from 'vitest';
import { plainLinesReporter } from '../../src/cli/reporters/plain-lines.js';
import { errorMessage } from '../../src/errors.js';
import { InlineSlots } from '../../src/run/inline-slots.js';
import { runWith } from './fixtures.js';

describe('errorMessage of what an objective throws', () => {
  it('writes a plain object or array as JSON', () => {
    expect(errorMessage({ code: 5 })).toBe('{"code":5}');
    expect(errorMessage([1, 'a'])).toBe('[1,"a"]');
  });

  it("takes the message of an error-like object (an Error of another realm)", () => {
    expect(errorMessage({ name: 'Error', message: 'from a vm context' })).toBe('from a vm context');
  });

  it('falls back to text for what JSON cannot write', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(errorMessage(cycle)).toBe('[object Object]');
    expect(errorMessage({ big: 1n })).toBe('[object Object]');
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage(null)).toBe('null');
  });
});

describe("a failed trial's plain line", () => {
  it('shows the first line of a long multi-line fail reason cut with an ellipsis; the stored reason keeps it all', async () => {
    const message = `${'x'.repeat(20_000)}\nsecond line\nthird line`;
    const { study, trials } = await runWith(
      new InlineSlots(() => {
        throw new Error(message);
      }),
      { maxTrials: 1 },
    );
    expect(trials[0]?.systemAttrs['fail_reason']).toBe(message);
    const lines: string[] = [];
    plainLinesReporter((line) => lines.push(line)).trialFinish?.(trials[0]!, study);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(lines[0]).toMatch(/^trial 0 FAIL {5}failed: x{200}… {2}/);
  });

  it('marks a short first line of a multi-line reason as cut, and leaves a one-line reason whole', async () => {
    const { study, trials } = await runWith(
      new InlineSlots((trial) => {
        throw new Error(trial.number === 0 ? 'bad batch\n  at step 3' : 'bad batch');
      }),
      { maxTrials: 2, slots: [{ name: 'cpu#0', device: 'cpu', gpu: null }] },
    );
    const lines: string[] = [];
    const reporter = plainLinesReporter((line) => lines.push(line));
    for (const t of trials) reporter.trialFinish?.(t, study);
    expect(lines.map((line) => /failed: (.*?) {2}/.exec(line)?.[1])).toEqual(['bad batch…', 'bad batch']);
  });
});
