/**
 * The core's side of the built-in image trainer, which lives in its own package
 * (packages/image-classifier): space files are checked against what the package's manifest
 * says it measures, and the shipped space files name only parameters the trainer reads.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARAM_NAMES } from '@sodate/image-classifier';
import { OptionError } from '../../src/errors.js';
import { loadObjectiveRef } from '../../src/objectives/load.js';
import { policyCatalog } from '../../src/run/policies.js';
import { parseStudyFile, readStudyFile } from '../../src/study-file/study-file.js';
import { REPO_ROOT } from '../helpers/cli.js';

describe('a space file with the built-in trainer', () => {
  const file = (top: string, options = '{ epochs: 1 }') => `study: s
${top}
objective:
  builtin: image-classifier
  options: ${options}
params:
  width: { choice: [4, 8] }
`;
  const parse = (text: string) => parseStudyFile(text, 'space.yaml', policyCatalog());
  const LIST = 'val_loss, val_accuracy, val_error, val_f1, inference_ms, params, model_mb, train_seconds';

  it('accepts what the trainer measures as objectives and constraints', () => {
    const parsed = parse(file('directions: [minimize, minimize]\nmetrics: [val_loss, inference_ms]\nconstraints:\n  params: { max: 100000 }'));
    expect(parsed.metrics).toEqual(['val_loss', 'inference_ms']);
    expect(parsed.constraints).toEqual({ params: { max: 100000 } });
  });

  it('refuses, with its file, line and key, a metric the trainer cannot give', () => {
    expect(() => parse(file('directions: [minimize, minimize]\nmetrics: [val_loss, latency_ms]'))).toThrow(
      `space.yaml:3: metrics[1]: the built-in image-classifier cannot give the objective "latency_ms"; it measures ${LIST}`,
    );
    expect(() => parse(file('direction: maximize\nmetric: accuracy'))).toThrow(`space.yaml:3: metric: the built-in image-classifier cannot give the objective "accuracy"; it measures ${LIST}`);
  });

  it('refuses a constraint on a quantity the trainer does not measure', () => {
    expect(() => parse(file('constraints:\n  gpu_mem_gb: { max: 16 }'))).toThrow(`space.yaml:3: constraints.gpu_mem_gb: the built-in image-classifier cannot give the constraint value "gpu_mem_gb"; it measures ${LIST}`);
  });

  it('refuses a metric option that contradicts the file, and objectives under options', () => {
    expect(() => parse(file('metric: val_accuracy\ndirection: maximize', '{ metric: val_loss }'))).toThrow(/^space\.yaml:6: objective\.options\.metric: "val_loss" disagrees with metric: val_accuracy/);
    expect(() => parse(file('directions: [minimize, minimize]\nmetrics: [val_loss, params]', '{ metric: val_loss }'))).toThrow(/objective\.options\.metric: metrics: lists the objectives; remove options\.metric/);
    expect(() => parse(file('metric: val_loss', '{ metrics: [val_loss] }'))).toThrow(/objective\.options\.metrics: the file's own metrics: key says this; move it there/);
  });

  it('refuses, at its line, a built-in that does not exist', () => {
    expect(() => parse(file('direction: minimize').replace('builtin: image-classifier', 'builtin: image-classifer'))).toThrow(/^space\.yaml:4: objective\.builtin: expected a built-in objective \(image-classifier\), found "image-classifer"/);
  });

  it('keeps the default metric name and one the options select', () => {
    expect(parse(file('direction: minimize')).metrics).toEqual(['value']);
    expect(parse(file('metric: val_f1\ndirection: maximize', '{ metric: val_f1 }')).metric).toBe('val_f1');
  });

  it('reads search-spaces/image-baseline-pareto.yaml: loss against inference time, parameters limited', () => {
    const shipped = readStudyFile(join(REPO_ROOT, 'search-spaces/image-baseline-pareto.yaml'), policyCatalog());
    expect(shipped.metrics).toEqual(['val_loss', 'inference_ms']);
    expect(shipped.directions).toEqual(['minimize', 'minimize']);
    expect(Object.keys(shipped.constraints ?? {})).toEqual(['params']);
    expect(shipped.space.params.map((p) => p.name)).toEqual(expect.arrayContaining(['width', 'depth']));
  });
});

describe('the shipped image space files', () => {
  it('name only parameters the trainer reads (search-spaces/image-baseline.yaml)', () => {
    const file = readStudyFile(join(REPO_ROOT, 'search-spaces/image-baseline.yaml'), policyCatalog());
    expect(file.objective).toMatchObject({ kind: 'builtin', name: 'image-classifier' });
    const names = file.space.params.map((p) => p.name);
    expect(names.length).toBeGreaterThanOrEqual(20);
    for (const name of names) expect(PARAM_NAMES as readonly string[]).toContain(name);
  });
});

describe('loading the built-in by its package name', () => {
  it("gives the trainer's option errors as sodate's own classes, so the CLI prints them as one line", async () => {
    const loading = loadObjectiveRef({ kind: 'builtin', name: 'image-classifier', options: { epoch: 3 } });
    await expect(loading).rejects.toBeInstanceOf(OptionError);
    await expect(loading).rejects.toThrow(/^image-classifier has no option "epoch"; options are dataset, epochs/);
  });
});
