import { describe, expect, it } from 'vitest';
import { buildPolicies, policyCatalog } from '../../src/run/policies.js';
import type { StudyFile } from '../../src/study-file/study-file.js';
import { parseStudyFile } from '../../src/study-file/study-file.js';

const PARAMS = 'params:\n  lr: { float: [1.0e-4, 1.0e-1], log: true }\n  opt: { choice: [adamw, sgd] }\n';

function parse(policies: string): StudyFile {
  return parseStudyFile(`objective: { module: ./o.ts }\n${policies}${PARAMS}`, 's.yaml', policyCatalog());
}

/** The message buildPolicies throws for the file's (or one stage's) sampler and pruner. */
function buildError(file: StudyFile, stage?: number): string {
  const spec = stage === undefined ? undefined : file.stages?.[stage];
  try {
    buildPolicies({ ...file, sampler: spec?.sampler ?? file.sampler, pruner: spec?.pruner ?? file.pruner }, 0);
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}

describe('bad sampler and pruner options in a space file', () => {
  it("names a stage's option by its full key path, on the option's line", () => {
    const file = parse('stages:\n  - { name: a, params: [lr], trials: 4 }\n  - name: b\n    params: [opt]\n    trials: 3\n    pruner:\n      kind: wilcoxon\n      pThreshold: 7\n');
    // pThreshold sits on line 9, two below its `pruner:` key.
    expect(buildError(file, 1)).toBe('s.yaml:9: stages[1].pruner.pThreshold: must be within [0, 1], got 7');
  });

  it("names a stage's sampler option the same way", () => {
    const file = parse('stages:\n  - { name: a, params: [lr, opt], trials: 4, sampler: { kind: tpe, nStartupTrials: -1 } }\n');
    expect(buildError(file, 0)).toMatch(/^s\.yaml:3: stages\[0\]\.sampler\.nStartupTrials: must be /);
  });

  it('names a top-level option as pruner.<option>', () => {
    expect(buildError(parse('pruner: { kind: percentile, percentile: 120 }\n'))).toBe('s.yaml:2: pruner.percentile: must be within [0, 100], got 120');
  });

  it('keeps the message whole after the policy path when it names no option the file gives', () => {
    expect(buildError(parse('pruner: { kind: percentile }\n'))).toBe('s.yaml:2: pruner: percentile must be a finite number, got undefined');
  });
});
