import type { AblationEndpoint, AblationGain, AblationMethod, AblationResult, AblationSetup, AblationStage, AblationStep, ParamChange, PlannedAblationRun } from '../../analysis/ablation.js';
import { ABLATION_LEVEL, ablationAttrOf, ablationCost, ablationGroups, ablationProgress, ablationUserAttrs, findBaseline, stageAblationGroups } from '../../analysis/ablation.js';
import { confirmCandidates } from '../../analysis/confirm.js';
import { RerunFailedError } from '../../analysis/errors.js';
import { NotFoundError, UsageError } from '../../errors.js';
import type { JsonValue } from '../../json.js';
import { CachedStorage } from '../../storage/cached.js';
import { checkStudyName } from '../../storage/url.js';
import type { FrozenTrial, StudyRecord } from '../../storage/records.js';
import { isRerun } from '../../storage/records.js';
import { choiceFlag, integerFlag, parseCommandArgs } from '../args.js';
import { formatNumber, formatParam, jsonNumber, renderTable } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { metricNames } from '../objective-names.js';
import { existingStorageUrlFor, openExistingStorage } from '../open-study-storage.js';
import { plainLinesReporter } from '../reporters/plain-lines.js';
import { ablationStudyName, stageLineageOf, stageStudiesOf } from '../../study/stage-lineage.js';
import { NopPruner } from '../../pruners/nop.js';
import { RandomSampler } from '../../samplers/random.js';
import { createStudy } from '../../study/create.js';
import { openRerunStudy, refuseAblationStudy, runWaitingTrials } from '../../run/reruns.js';
import { allTrialsOf } from './trials.js';
import { EXECUTION_FLAGS, executionFlags } from './tune.js';
import { ABLATION_OF_ATTR, CONFIG_ATTR, CONSTRAINT_LIMITS_KEY, SPACE_FILE_ATTR, STAGE_ATTR, STUDY_SEED_ATTR } from '../../storage/metadata.js';

export const ABLATE_HELP = `usage: sodate ablate <study> [--stages] [--seeds K] [--method path|leave-one-out] [--top-trial N] [--baseline-trial N] [--seed N] [--storage URL] [--format table|json]

Which of the changes from the baseline to the best trial actually helped. The changes are
the parameters whose values differ (a conditional parameter moves with its parent). With
--method path (the default), sodate walks from the baseline to the best trial one change
at a time, greedily: each round it tries every change not yet made, K seeds each, and
makes the one with the best mean; then it measures the chosen path on K fresh seeds and
prints each step's gain over the previous one with a 95% interval, marked "noise" when the
interval covers 0. d changes cost K·(d(d+1)/2 + d) runs. --method leave-one-out undoes each
change alone from the best trial instead, K·(d+2) runs: what each adds with the others in
place. Every configuration runs on the same K seeds (trial.seed, SODATE_TRIAL_SEED, {seed}),
so gains are paired seed by seed.

The baseline is the trial \`sodate tune\` ran from the space file's \`baseline:\`. The runs
are trials of the same study (a stage's study: see below), with user attributes
sodate:ablation and sodate:ablation_seed, run as \`sodate tune\` runs trials, never pruned.
Run it again after an interrupt or a failed run: finished runs are reused.

A staged study is ablated by stage: \`sodate ablate <study>.<stage>\` (a stage after the
first) or \`sodate ablate <study> --stages\` (its latest stage) flips one stage's parameters
at a time, from the baseline in the first stage's study to the stage's best trial. The runs
on a stage's study (the first one too) are trials of its ablation study <study>.<stage>.ablation
(in the same storage), whose space has every choice the stage fixed.

options:
  --stages             <study> is a staged study: ablate its latest stage by stage
  --seeds K            seeds per configuration (default 3, at least 2)
  --method M           path (default) or leave-one-out
  --top-trial N        ablate towards trial N instead of the best trial
  --baseline-trial N   start from trial N instead of the space file's baseline (by stage:
                       trial N of the first stage's study)
  --seed N             base of the runs' seeds (default: the study's seed); another N measures
                       the same ablation on new seeds, to check that its intervals hold
  --storage URL        where the study lives (default: sqlite:studies/<study>.db)
  --format F           table (default) or json: an array, one object per step
  --devices D, --per-device K, --isolation I, --trial-timeout S, --retries N,
  --stale-after S, --log-dir DIR, --artifact-dir DIR   as for \`sodate tune\`
`;

const { format: _format, 'no-tui': _noTui, ...RUN_FLAGS } = EXECUTION_FLAGS;

export async function ablateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'ablate',
    argv,
    {
      storage: { type: 'string' },
      seeds: { type: 'string' },
      method: { type: 'string' },
      'top-trial': { type: 'string' },
      'baseline-trial': { type: 'string' },
      seed: { type: 'string' },
      stages: { type: 'boolean' },
      format: { type: 'string' },
      ...RUN_FLAGS,
    },
    { min: 1, max: 1, names: 'a study name' },
  );
  if (values['help']) {
    io.out.write(ABLATE_HELP);
    return 0;
  }
  const given = positionals[0] as string;
  checkStudyName(given);
  const seeds = integerFlag('ablate', 'seeds', values['seeds'], 2) ?? 3;
  const method = choiceFlag('ablate', 'method', values['method'], ['path', 'leave-one-out'] as const, 'path');
  const topTrial = integerFlag('ablate', 'top-trial', values['top-trial'], 0);
  const baselineTrial = integerFlag('ablate', 'baseline-trial', values['baseline-trial'], 0);
  const seedBase = integerFlag('ablate', 'seed', values['seed'], 0);
  const format = choiceFlag('ablate', 'format', values['format'], ['table', 'json'] as const, 'table');
  const flags = executionFlags('ablate', { ...values, format: undefined }, io.cwd);
  // A stage's study <study>.<stage> lives in studies/<study>.db.
  const storageUrl = existingStorageUrlFor(given, values['storage'], io);
  const storage = new CachedStorage(await openExistingStorage(storageUrl, io, `sodate ablate ${given}`));
  try {
    const staged = await stagedAblation(storage, given, values['stages'] === true);
    const name = staged?.study ?? given;
    // A stage's study (the first one too) is ablated in a study of its own: see ablationStudyName.
    const record = await storage.loadStudy(name);
    refuseAblationStudy('ablate', record);
    const runsIn = stageLineageOf(record) === undefined ? name : await ablationStudyOf(storage, record as StudyRecord);
    const opened = await openRerunStudy('ablate', runsIn, storage, flags, 'ablate measures one objective');
    const { study, file } = opened;
    const studySeed = seedBase ?? opened.studySeed;
    const trials = runsIn === name ? await study.getTrials() : await allTrialsOf(storage, (record as StudyRecord).id);
    // By stage, the baseline is the one the first stage ran (in its own study).
    const baselineStudy = staged?.first.name ?? name;
    const baselineTrials = staged === undefined ? trials : await allTrialsOf(storage, staged.first.id);
    const baseline = findBaseline(baselineTrials, baselineTrial);
    if (baseline === undefined) {
      if (baselineTrial !== undefined) throw new NotFoundError(`sodate ablate: study "${baselineStudy}" has no trial ${baselineTrial}; pick the baseline with \`sodate trials ${baselineStudy}\``);
      throw new UsageError(`sodate ablate: study "${baselineStudy}" has no baseline trial; add \`baseline:\` to its space file and run \`sodate tune\` on it again, or pass --baseline-trial N`);
    }
    checkEndpoint(baselineStudy, baseline, 'baseline-trial');
    const target = topTrial === undefined ? bestTrial(trials, study.direction) : trials.find((t) => t.number === topTrial);
    if (target === undefined) {
      if (topTrial !== undefined) throw new NotFoundError(`sodate ablate: study "${name}" has no trial ${topTrial}; pick one with \`sodate trials ${name}\``);
      throw new NotFoundError(`sodate ablate: study "${name}" has no complete trial to ablate towards yet; run \`sodate tune\` on its space file first`);
    }
    checkEndpoint(name, target, 'top-trial');
    const groups = staged === undefined ? ablationGroups(file.space, baseline.params, target.params) : stageAblationGroups(file.space, staged.stages, baseline.params, target.params);
    if (groups.length === 0) {
      throw new UsageError(`sodate ablate: trial ${target.number} has the baseline's configuration (trial ${baseline.number}${staged === undefined ? '' : ` of ${baselineStudy}`}), so there is nothing to ablate; pick another with --top-trial N`);
    }
    const from: AblationEndpoint = staged === undefined ? baseline : { number: baseline.number, params: baseline.params, study: baselineStudy };
    const setup: AblationSetup = { baseline: from, target, groups, seeds, studySeed, direction: study.direction, method };
    const write = (line: string) => println(io.err, line);
    const reporter = plainLinesReporter(write);
    const what = staged === undefined ? `${groups.length} change(s)` : `${groups.length} stage(s) of ${staged.of} (${groups.map((g) => g.stage ?? g.names.join('+')).join(', ')})`;
    reporter.notice?.(`ablating ${what} from baseline ${endpointText(from)} to trial ${target.number} (${method}, ${seeds} seeds each): at most ${ablationCost(method, groups.length, seeds)} runs${runsIn === name ? '' : ` (in study ${runsIn})`}`);
    let result: AblationResult | null = null;
    for (;;) {
      const progress = ablationProgress(await study.getTrials(), setup);
      if (progress.result !== null) {
        result = progress.result;
        break;
      }
      for (const run of progress.planned) await study.enqueueTrial(run.params, { userAttrs: ablationUserAttrs(run) });
      const waiting = (await study.getTrials()).filter((t) => t.state === 'WAITING').length;
      if (waiting === 0) {
        // What the next decision needs is running elsewhere: a `sodate worker`, or a killed ablate whose heartbeats are not stale yet.
        const running = (await study.getTrials()).filter((t) => t.state === 'RUNNING' && ablationAttrOf(t) !== undefined).map((t) => t.number);
        throw new RerunFailedError(
          `sodate ablate: the next step waits for run(s) still RUNNING (trial(s) ${running.join(', ')}); let them finish, or if their process died, run \`sodate ablate ${name}\` again once their heartbeat is stale (--stale-after, default 30s)`,
        );
      }
      reporter.notice?.(`${describeRound(progress.order.length, groups.length, method)}: ${progress.planned.length} new run(s), ${waiting} waiting in all`);
      const code = await runWaitingTrials({ opened, execution: flags, storageUrl, cwd: io.cwd, reporter, samplerName: 'fixed (ablation)' });
      if (code !== 0) {
        write(`sodate ablate: interrupted; run \`sodate ablate ${name}\` again with the same options to finish (finished runs are kept)`);
        return code;
      }
      const after = ablationProgress(await study.getTrials(), setup);
      const failed = after.planned.find((run) => progress.planned.some((p) => sameRun(p, run)));
      if (failed !== undefined) throw new RerunFailedError(failureLine(name, runsIn, setup, failed, await study.getTrials()));
    }
    const metric = metricNames(study.userAttrs, 1)[0] as string;
    if (format === 'json') println(io.out, JSON.stringify(result.steps.map(stepToJson), null, 2));
    else printTable(io, name, `${study.direction} ${metric}`, seeds, result);
    return 0;
  } finally {
    await storage.close();
  }
}

interface StagedAblation {
  /** The staged study's name (the stage studies' `<study>`). */
  readonly of: string;
  /** The stage's study the runs go to and whose best is the target. */
  readonly study: string;
  /** The first stage's study, where the baseline is. */
  readonly first: StudyRecord;
  /** The stages up to this one, with the parameters each opened (from their lineage). */
  readonly stages: readonly AblationStage[];
}

/**
 * Whether `sodate ablate <name>` goes by stage, and over which stages: a stage's study after
 * the first (`<study>.<stage>`), or with --stages a staged study's name (its latest stage
 * that has a study). Undefined for a plain study and for a first stage (it holds its own baseline).
 */
async function stagedAblation(storage: CachedStorage, name: string, byStage: boolean): Promise<StagedAblation | undefined> {
  let record = await storage.loadStudy(name);
  let lineage = stageLineageOf(record);
  if (byStage && lineage === undefined) {
    if (record !== null) throw new UsageError(`sodate ablate: study "${name}" is not a staged study (it has no ${STAGE_ATTR} lineage); drop --stages`);
    const latest = (await stageStudiesOf(storage, name)).at(-1);
    [record, lineage] = [latest?.record ?? null, latest?.lineage];
    if (lineage === undefined) throw new NotFoundError(`sodate ablate: no staged study named "${name}" in ${storage.url}; list them with \`sodate studies\`, or pass --storage`);
  }
  if (lineage === undefined || record === null || lineage.index === 0) return undefined;
  const stages: AblationStage[] = [];
  let first: StudyRecord | null = null;
  for (const [i, stageName] of lineage.stages.slice(0, lineage.index + 1).entries()) {
    const stageRecord = i === lineage.index ? record : await storage.loadStudy(`${lineage.of}.${stageName}`);
    const stageLineage = stageLineageOf(stageRecord);
    if (stageRecord === null || stageLineage === undefined) throw new NotFoundError(`sodate ablate: stage ${stageName} of staged study "${lineage.of}" has no study ${lineage.of}.${stageName} in ${storage.url}; run \`sodate tune\` on its space file`);
    if (i === 0) first = stageRecord;
    stages.push({ name: stageName, opens: stageLineage.opens });
  }
  return { of: lineage.of, study: record.name, first: first as StudyRecord, stages };
}

/**
 * The ablation study of stage study `stage` (created on first use): the stage's seed, stored
 * configuration, constraints and metric, and the full space of its file.
 */
async function ablationStudyOf(storage: CachedStorage, stage: StudyRecord): Promise<string> {
  const name = ablationStudyName(stage.name);
  const copied = Object.fromEntries([STUDY_SEED_ATTR, CONFIG_ATTR, SPACE_FILE_ATTR, CONSTRAINT_LIMITS_KEY].flatMap((k) => (stage.systemAttrs[k] === undefined ? [] : [[k, stage.systemAttrs[k] as JsonValue]])));
  const study = await createStudy({
    name,
    storage,
    directions: stage.directions,
    loadIfExists: true,
    sampler: new RandomSampler({ seed: 0 }),
    pruner: new NopPruner(),
    userAttrs: stage.userAttrs,
    systemAttrs: { ...copied, [ABLATION_OF_ATTR]: stage.name },
  });
  await study.close();
  return name;
}

const endpointText = (e: AblationEndpoint) => (e.study === undefined ? `trial ${e.number}` : `trial ${e.number} of ${e.study}`);

/** The best complete feasible tuning trial (not a re-run). */
function bestTrial(trials: readonly FrozenTrial[], direction: 'minimize' | 'maximize'): FrozenTrial | undefined {
  const best = confirmCandidates(trials, direction, 1)[0];
  return best === undefined ? undefined : trials.find((t) => t.number === best.number);
}

function checkEndpoint(name: string, trial: FrozenTrial, flag: string): void {
  if (isRerun(trial)) throw new UsageError(`sodate ablate: trial ${trial.number} of study "${name}" is a re-run by confirm or ablate, not a tuning trial; pass --${flag} with a tuning trial's number`);
  if (Object.keys(trial.params).length === 0) throw new UsageError(`sodate ablate: trial ${trial.number} of study "${name}" has no parameters (${trial.state}); pass --${flag} with another trial`);
}

function describeRound(fixed: number, groups: number, method: AblationMethod): string {
  if (method === 'leave-one-out') return 'leaving each change out of the target';
  return fixed < groups - 1 ? `path round ${fixed + 1} of ${groups - 1}: trying each remaining change` : 'measuring the chosen path on fresh seeds';
}

function sameRun(a: PlannedAblationRun, b: PlannedAblationRun): boolean {
  return a.attr.role === b.attr.role && a.attr.k === b.attr.k && a.attr.flipped.join('\u0000') === b.attr.flipped.join('\u0000');
}

function failureLine(name: string, runsIn: string, setup: AblationSetup, run: PlannedAblationRun, trials: readonly FrozenTrial[]): string {
  const mine = trials.filter((t) => {
    const attr = ablationAttrOf(t);
    return attr !== undefined && attr.role === run.attr.role && attr.k === run.attr.k && attr.flipped.join('\u0000') === run.attr.flipped.join('\u0000');
  });
  const last = mine[mine.length - 1];
  const all = setup.groups.reduce((n, g) => n + g.names.length, 0);
  const what =
    run.attr.flipped.length === 0
      ? `the baseline (${endpointText(setup.baseline)})`
      : run.attr.flipped.length === all
        ? `trial ${run.attr.target}'s configuration`
        : `the baseline with ${run.attr.flipped.join(', ')} from trial ${run.attr.target}`;
  const which = last === undefined ? 'did not run' : `ended ${last.state} (trial ${last.number}${runsIn === name ? '' : ` of ${runsIn}`}; see \`sodate logs ${runsIn} ${last.number}\`)`;
  return `sodate ablate: the run of ${what} on ${run.attr.role} seed ${run.attr.k} ${which}; fix the cause and run \`sodate ablate ${name}\` again with the same options (finished runs are kept)`;
}

const showValue = (v: ParamChange['from']) => (v === null ? '(absent)' : formatParam(v));

function changesText(changes: readonly ParamChange[], stage?: string): string {
  const text = changes.map((c) => `${c.name}: ${showValue(c.from)} → ${showValue(c.to)}`).join('; ');
  return stage === undefined ? text : `stage ${stage}: ${text}`;
}

const interval = (g: { low: number; high: number }) => (Number.isNaN(g.low) ? '-' : `[${formatNumber(g.low)}, ${formatNumber(g.high)}]`);
const mark = (g: AblationGain | null) => (g === null ? '' : g.noise ? 'noise' : g.hurts ? 'hurts' : '');

function printTable(io: CliIo, name: string, objective: string, seeds: number, result: AblationResult): void {
  const { baseline, target, steps, total, method } = result;
  const byStage = steps.some((s) => s.stage !== undefined);
  const level = `${Math.round(ABLATION_LEVEL * 100)}%`;
  if (method === 'path') {
    println(io.out, `study ${name} (${objective}): ablation path from baseline ${endpointText(baseline)} to trial ${target.number}${byStage ? ', one stage at a time' : ''}, each point run with the same ${seeds} seeds (gains paired by seed), ${level} intervals`);
  } else {
    println(io.out, `study ${name} (${objective}): leave-one-out from trial ${target.number}, each ${byStage ? 'stage' : 'change'} undone alone back to baseline ${endpointText(baseline)}, the same ${seeds} seeds each (gains paired by seed), ${level} intervals`);
  }
  const body = steps.map((s: AblationStep) => [
    String(s.step),
    s.step === 0 ? (method === 'path' ? `baseline (${endpointText(baseline)})` : `trial ${target.number}`) : changesText(s.changes, s.stage),
    formatNumber(s.point.mean),
    interval(s.point),
    s.gain === null ? '-' : formatNumber(s.gain.mean),
    s.gain === null ? '-' : interval(s.gain),
    mark(s.gain),
  ]);
  const gainHeader = method === 'path' ? 'gain vs previous' : `gain it brings`;
  println(io.out, renderTable(['step', method === 'path' ? 'change (from → to)' : 'undone (from → to)', 'mean', `${level} interval`, gainHeader, `${level} interval`, 'note'], body));
  const label = (s: AblationStep) => s.stage ?? s.changes.map((c) => c.name).join('+');
  const real = steps.filter((s) => s.gain !== null && !s.gain.noise && !s.gain.hurts).map(label);
  const hurt = steps.filter((s) => s.gain?.hurts === true).map(label);
  println(
    io.out,
    `total gain baseline (${endpointText(baseline)}) → trial ${target.number}: ${formatNumber(total.mean)} ${interval(total)}${total.noise ? ' (noise)' : ''}. ` +
      `${real.length} of ${steps.length - 1} ${byStage ? 'stage(s)' : 'change(s)'} told apart from noise${real.length > 0 ? `: ${real.join(', ')}` : ''}${hurt.length > 0 ? `; ${hurt.join(', ')} hurt` : ''}.`,
  );
}

function gainToJson(g: AblationGain | null): JsonValue {
  if (g === null) return null;
  return { mean: jsonNumber(g.mean), std: jsonNumber(g.std), n: g.n, interval95: [jsonNumber(g.low), jsonNumber(g.high)], noise: g.noise, hurts: g.hurts };
}

function stepToJson(s: AblationStep): Record<string, JsonValue> {
  return {
    step: s.step,
    ...(s.stage === undefined ? {} : { stage: s.stage }),
    changes: s.changes.map((c) => ({ param: c.name, from: c.from, to: c.to })),
    values: s.point.values.map((v) => jsonNumber(v)),
    mean: jsonNumber(s.point.mean),
    std: jsonNumber(s.point.std),
    interval95: [jsonNumber(s.point.low), jsonNumber(s.point.high)],
    gain: gainToJson(s.gain),
    noise: s.gain === null ? null : s.gain.noise,
    gain_from_baseline: gainToJson(s.fromBaseline),
    chosen_among: s.chosenAmong,
  };
}
