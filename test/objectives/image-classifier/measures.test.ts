import { describe, expect, it } from 'vitest';
import { policyCatalog } from '../../../src/run/policies.js';
import type { EpochMeasures } from '../../../src/objectives/image-classifier/measures.js';
import { IMAGE_MEASURES, checkMeasures, measureValue, measuresFromStudy } from '../../../src/objectives/image-classifier/measures.js';
import { parseStudyFile, readStudyFile } from '../../../src/study-file/study-file.js';

const EPOCH: EpochMeasures = {
  validation: { loss: 0.25, accuracy: 0.9, macroF1: 0.85 },
  inferenceMs: 0.12,
  trainableParams: 5142,
  modelBytes: 3 * 2 ** 20,
  trainSecondsSoFar: 7.5,
};

describe('what the image trainer measures', () => {
  it('reads each measure from an epoch', () => {
    expect(IMAGE_MEASURES.map((m) => measureValue(EPOCH, m))).toEqual([0.25, 0.9, 1 - 0.9, 0.85, 0.12, 5142, 3, 7.5]);
  });

  it('gives NaN for an inference time that was not measured, so the trial fails rather than reporting 0', () => {
    expect(measureValue({ ...EPOCH, inferenceMs: undefined }, 'inference_ms')).toBeNaN();
  });

  it('refuses a name it does not measure, naming those it does', () => {
    expect(() => checkMeasures(['val_loss', 'latency_ms'], 'metrics')).toThrow(
      'image-classifier option metrics: the trainer does not produce "latency_ms"; it produces val_loss, val_accuracy, val_error, val_f1, inference_ms, params, model_mb, train_seconds',
    );
    expect(() => checkMeasures(['params', 'params'], 'constraints')).toThrow('image-classifier option constraints lists "params" twice');
    expect(checkMeasures(['val_loss', 'inference_ms'], 'metrics')).toEqual(['val_loss', 'inference_ms']);
  });
});

describe("the trainer's objectives from the study that runs it", () => {
  it('returns every metric of a multi-objective study and sets its constraints', () => {
    expect(measuresFromStudy({}, { metrics: ['val_loss', 'inference_ms'], constraints: ['params'] })).toEqual({ metrics: ['val_loss', 'inference_ms'], constraints: ['params'] });
  });

  it('returns the one metric a study names when the trainer measures it', () => {
    expect(measuresFromStudy({}, { metrics: ['val_accuracy'], constraints: [] })).toEqual({ metrics: ['val_accuracy'] });
  });

  it('keeps a label it does not measure (the default "value") for the metric option, as before', () => {
    expect(measuresFromStudy({ metric: 'val_f1' }, { metrics: ['value'], constraints: [] })).toEqual({});
    expect(measuresFromStudy({}, undefined)).toEqual({});
  });

  it('refuses a metric option that disagrees with the study, and metrics or constraints given twice', () => {
    expect(() => measuresFromStudy({ metric: 'val_loss' }, { metrics: ['val_accuracy'], constraints: [] })).toThrow(/option metric "val_loss" disagrees with the study's metric "val_accuracy"/);
    expect(() => measuresFromStudy({ metrics: ['val_loss'] }, { metrics: ['val_loss'], constraints: [] })).toThrow(/option metrics is the space file's own metrics: key/);
  });
});

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

  it('keeps the default metric name and one the options select', () => {
    expect(parse(file('direction: minimize')).metrics).toEqual(['value']);
    expect(parse(file('metric: val_f1\ndirection: maximize', '{ metric: val_f1 }')).metric).toBe('val_f1');
  });

  it('reads search-spaces/image-baseline-pareto.yaml: loss against inference time, parameters limited', () => {
    const shipped = readStudyFile(new URL('../../../search-spaces/image-baseline-pareto.yaml', import.meta.url).pathname, policyCatalog());
    expect(shipped.metrics).toEqual(['val_loss', 'inference_ms']);
    expect(shipped.directions).toEqual(['minimize', 'minimize']);
    expect(Object.keys(shipped.constraints ?? {})).toEqual(['params']);
    expect(shipped.space.params.map((p) => p.name)).toEqual(expect.arrayContaining(['width', 'depth']));
  });
});
