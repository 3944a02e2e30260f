import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EpochMeasures } from '../src/measures.js';
import { IMAGE_MEASURES, checkMeasures, measureValue, measuresFromStudy } from '../src/measures.js';

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

describe("the package's manifest, which sodate reads before any trial loads the trainer", () => {
  it('declares the built-in, its factory and exactly the measures the trainer gives', async () => {
    const manifest = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { sodate: { builtin: string; factory: string; measures: string[] } }).sodate;
    expect(manifest.builtin).toBe('image-classifier');
    expect(manifest.measures).toEqual([...IMAGE_MEASURES]);
    expect(typeof (await import('../src/index.js'))[manifest.factory as 'createObjective']).toBe('function');
  });
});
