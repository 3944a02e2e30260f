/**
 * Issue #6's demonstration: run the study of search-spaces/image-baseline.yaml in process
 * (its sampler, pruner, budget and objective options) and compare its best validation
 * accuracy with the trainer's default configuration trained the same way.
 *
 *   node --conditions=sodate-sources --import tsx examples/image-classifier/baseline-vs-default.ts [trials]
 *
 * (`sodate-sources` makes `sodate` and the trainer load from their sources, one copy each, as
 * the files taken from ../../src do.)
 */
import { fileURLToPath } from 'node:url';
import { createObjective, describeBackend } from '@sodate/image-classifier';
import { createStudy } from 'sodate';
import { buildPolicies, policyCatalog } from '../../src/run/policies.js';
import { suggestAll } from '../../src/space/search-space.js';
import { readStudyFile } from '../../src/study-file/study-file.js';

/** DEFAULT_TRAIN_CONFIG in the space's parameter names. */
const DEFAULT_PARAMS = {
  lr: 1e-3,
  backbone_lr_scale: 1,
  weight_decay: 1e-2,
  eps: 1e-8,
  optimizer: 'adamw',
  batch_size: 64,
  warmup_epochs: 0,
  drop_path_rate: 0,
  ema: false,
  label_smoothing: 0,
  mixup_alpha: 0,
  cutmix_prob: 0,
  loss: 'ce',
  class_weighting: 'none',
  pool: 'avg',
  head_dropout: 0,
  hflip_p: 0,
  rot90_p: 0,
  shift_scale_rotate_p: 0,
  brightness_contrast_p: 0,
  coarse_dropout_p: 0,
};

const file = readStudyFile(fileURLToPath(new URL('../../search-spaces/image-baseline.yaml', import.meta.url)), policyCatalog());
if (file.objective.kind !== 'builtin') throw new Error('image-baseline.yaml should run the built-in trainer');
const trials = Number(process.argv[2] ?? file.budget.trials ?? 24);
const objective = createObjective(file.objective.options);
console.log(`backend: ${await describeBackend()}`);
console.log(`objective options: ${JSON.stringify(file.objective.options)}; ${trials} trials; sampler ${file.sampler?.kind}, pruner ${file.pruner?.kind}`);

const start = performance.now();
const baseline = await createStudy({ direction: file.direction });
const [defaults] = await baseline.optimize(objective, { nTrials: 1 });
const defaultSeconds = (performance.now() - start) / 1000;
const defaultAccuracy = defaults?.userAttrs['val_accuracy'] as number;
console.log(`default configuration: val_loss ${defaults?.values?.[0]?.toFixed(4)} val_accuracy ${defaultAccuracy.toFixed(4)} (${defaultSeconds.toFixed(1)} s)`);

const { sampler, pruner } = buildPolicies(file, 0);
const study = await createStudy({ direction: file.direction, sampler, pruner });
// Grow the baseline as practitioners do (Optuna's enqueue_trial): the default configuration,
// written in the space's parameters, is the study's first trial; TPE explores from there.
await study.enqueueTrial(DEFAULT_PARAMS);
const studyStart = performance.now();
await study.optimize(
  async (trial) => {
    suggestAll(file.space, trial);
    return objective(trial);
  },
  {
    nTrials: trials,
    callbacks: [
      (_s, t) => {
        const acc = t.userAttrs['val_accuracy'] ?? t.userAttrs['best_val_accuracy'];
        console.log(`trial ${t.number} ${t.state.padEnd(8)} value ${t.values?.[0]?.toFixed(4) ?? '-'} val_acc ${typeof acc === 'number' ? acc.toFixed(4) : '-'} epochs ${t.userAttrs['epochs_done']} (${((performance.now() - studyStart) / 1000).toFixed(0)} s)`);
      },
    ],
  },
);
const studySeconds = (performance.now() - studyStart) / 1000;
const all = study.trials;
const complete = all.filter((t) => t.state === 'COMPLETE');
const best = complete.reduce((a, t) => ((t.values?.[0] ?? Infinity) < (a.values?.[0] ?? Infinity) ? t : a));
const bestAccuracy = Math.max(...complete.map((t) => t.userAttrs['val_accuracy'] as number));
console.log(`\n${all.length} trials (${complete.length} complete, ${all.filter((t) => t.state === 'PRUNED').length} pruned) in ${(studySeconds / 60).toFixed(1)} min`);
console.log(`best trial by ${file.metric}: #${best.number} val_loss ${best.values?.[0]?.toFixed(4)} val_accuracy ${(best.userAttrs['val_accuracy'] as number).toFixed(4)}`);
console.log(`best val_accuracy of any complete trial: ${bestAccuracy.toFixed(4)}; default configuration: ${defaultAccuracy.toFixed(4)}`);
console.log(`best params: ${JSON.stringify(best.params)}`);
