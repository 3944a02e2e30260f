import type { AblationGain, AblationMethod, AblationResult, AblationSetup, AblationStep, ParamChange, PlannedAblationRun } from '../../analysis/ablation.js';
import { ABLATION_LEVEL, ablationAttrOf, ablationCost, ablationGroups, ablationProgress, ablationUserAttrs, findBaseline } from '../../analysis/ablation.js';
import { confirmCandidates } from '../../analysis/confirm.js';
import { RerunFailedError } from '../../analysis/errors.js';
import { NotFoundError } from '../../errors.js';
import type { JsonValue } from '../../json.js';
import type { FrozenTrial } from '../../storage/records.js';
import { CachedStorage } from '../../storage/cached.js';
import { checkStudyName } from '../../storage/url.js';
import { isRerun } from '../../study/seeds.js';
import { UsageError, choiceFlag, integerFlag, parseCommandArgs } from '../args.js';
import { formatNumber, formatParam, jsonNumber, renderTable } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { metricNames } from '../objective-names.js';
import { openExistingStorage, storageUrlFor } from '../open-study-storage.js';
import { plainLinesReporter } from '../reporters/plain-lines.js';
import { openRerunStudy, runWaitingTrials } from './reruns.js';
import { EXECUTION_FLAGS, executionFlags } from './tune.js';

export const ABLATE_HELP = `usage: sodate ablate <study> [--seeds K] [--method path|leave-one-out] [--top-trial N] [--baseline-trial N] [--storage URL] [--format table|json]

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
are trials of the same study (user attributes sodate:ablation, sodate:ablation_seed), run
as \`sodate tune\` runs trials, never pruned. Run it again after an interrupt or a failed
run: finished runs are reused.

options:
  --seeds K            seeds per configuration (default 3, at least 2)
  --method M           path (default) or leave-one-out
  --top-trial N        ablate towards trial N instead of the best trial
  --baseline-trial N   start from trial N instead of the space file's baseline
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
      format: { type: 'string' },
      ...RUN_FLAGS,
    },
    { min: 1, max: 1, names: 'a study name' },
  );
  if (values['help']) {
    io.out.write(ABLATE_HELP);
    return 0;
  }
  const name = positionals[0] as string;
  checkStudyName(name);
  const seeds = integerFlag('ablate', 'seeds', values['seeds'], 2) ?? 3;
  const method = choiceFlag('ablate', 'method', values['method'], ['path', 'leave-one-out'] as const, 'path');
  const topTrial = integerFlag('ablate', 'top-trial', values['top-trial'], 0);
  const baselineTrial = integerFlag('ablate', 'baseline-trial', values['baseline-trial'], 0);
  const format = choiceFlag('ablate', 'format', values['format'], ['table', 'json'] as const, 'table');
  const flags = executionFlags('ablate', { ...values, format: undefined }, io.cwd);
  const storageUrl = storageUrlFor(name, values['storage']);
  const storage = new CachedStorage(await openExistingStorage(storageUrl, io, `sodate ablate ${name}`));
  try {
    const opened = await openRerunStudy('ablate', name, storage, storageUrl, flags, 'ablate measures one objective');
    const { study, file, studySeed } = opened;
    const trials = await study.getTrials();
    const baseline = findBaseline(trials, baselineTrial);
    if (baseline === undefined) {
      if (baselineTrial !== undefined) throw new NotFoundError(`sodate ablate: study "${name}" has no trial ${baselineTrial}; pick the baseline with \`sodate trials ${name}\``);
      throw new UsageError(`sodate ablate: study "${name}" has no baseline trial; add \`baseline:\` to its space file and run \`sodate tune\` on it again, or pass --baseline-trial N`);
    }
    checkEndpoint(name, baseline, 'baseline-trial');
    const target = topTrial === undefined ? bestTrial(trials, study.direction) : trials.find((t) => t.number === topTrial);
    if (target === undefined) {
      if (topTrial !== undefined) throw new NotFoundError(`sodate ablate: study "${name}" has no trial ${topTrial}; pick one with \`sodate trials ${name}\``);
      throw new NotFoundError(`sodate ablate: study "${name}" has no complete trial to ablate towards yet; run \`sodate tune\` on its space file first`);
    }
    checkEndpoint(name, target, 'top-trial');
    const groups = ablationGroups(file.space, baseline.params, target.params);
    if (groups.length === 0) {
      throw new UsageError(`sodate ablate: trial ${target.number} has the baseline's configuration (trial ${baseline.number}), so there is nothing to ablate; pick another with --top-trial N`);
    }
    const setup: AblationSetup = { baseline, target, groups, seeds, studySeed, direction: study.direction, method };
    const write = (line: string) => println(io.err, line);
    const reporter = plainLinesReporter(write);
    reporter.notice?.(
      `ablating ${groups.length} change(s) from baseline trial ${baseline.number} to trial ${target.number} (${method}, ${seeds} seeds each): at most ${ablationCost(method, groups.length, seeds)} runs`,
    );
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
      const code = await runWaitingTrials({ opened, flags, storageUrl, io, reporter, samplerName: 'fixed (ablation)' });
      if (code !== 0) {
        write(`sodate ablate: interrupted; run \`sodate ablate ${name}\` again with the same options to finish (finished runs are kept)`);
        return code;
      }
      const after = ablationProgress(await study.getTrials(), setup);
      const failed = after.planned.find((run) => progress.planned.some((p) => sameRun(p, run)));
      if (failed !== undefined) throw new RerunFailedError(failureLine(name, setup, failed, await study.getTrials()));
    }
    const metric = metricNames(study.userAttrs, 1)[0] as string;
    if (format === 'json') println(io.out, JSON.stringify(result.steps.map(stepToJson), null, 2));
    else printTable(io, name, `${study.direction} ${metric}`, seeds, result);
    return 0;
  } finally {
    await storage.close();
  }
}

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

function failureLine(name: string, setup: AblationSetup, run: PlannedAblationRun, trials: readonly FrozenTrial[]): string {
  const mine = trials.filter((t) => {
    const attr = ablationAttrOf(t);
    return attr !== undefined && attr.role === run.attr.role && attr.k === run.attr.k && attr.flipped.join('\u0000') === run.attr.flipped.join('\u0000');
  });
  const last = mine[mine.length - 1];
  const all = setup.groups.reduce((n, g) => n + g.names.length, 0);
  const what =
    run.attr.flipped.length === 0
      ? `the baseline (trial ${run.attr.baseline})`
      : run.attr.flipped.length === all
        ? `trial ${run.attr.target}'s configuration`
        : `the baseline with ${run.attr.flipped.join(', ')} from trial ${run.attr.target}`;
  const which = last === undefined ? 'did not run' : `ended ${last.state} (trial ${last.number}; see \`sodate logs ${name} ${last.number}\`)`;
  return `sodate ablate: the run of ${what} on ${run.attr.role} seed ${run.attr.k} ${which}; fix the cause and run \`sodate ablate ${name}\` again with the same options (finished runs are kept)`;
}

const showValue = (v: ParamChange['from']) => (v === null ? '(absent)' : formatParam(v));

function changesText(changes: readonly ParamChange[]): string {
  return changes.map((c) => `${c.name}: ${showValue(c.from)} → ${showValue(c.to)}`).join('; ');
}

const interval = (g: { low: number; high: number }) => (Number.isNaN(g.low) ? '-' : `[${formatNumber(g.low)}, ${formatNumber(g.high)}]`);
const mark = (g: AblationGain | null) => (g === null ? '' : g.noise ? 'noise' : g.hurts ? 'hurts' : '');

function printTable(io: CliIo, name: string, objective: string, seeds: number, result: AblationResult): void {
  const { baseline, target, steps, total, method } = result;
  const level = `${Math.round(ABLATION_LEVEL * 100)}%`;
  if (method === 'path') {
    println(io.out, `study ${name} (${objective}): ablation path from baseline trial ${baseline.number} to trial ${target.number}, each point run with the same ${seeds} seeds (gains paired by seed), ${level} intervals`);
  } else {
    println(io.out, `study ${name} (${objective}): leave-one-out from trial ${target.number}, each change undone alone back to baseline trial ${baseline.number}, the same ${seeds} seeds each (gains paired by seed), ${level} intervals`);
  }
  const body = steps.map((s: AblationStep) => [
    String(s.step),
    s.step === 0 ? (method === 'path' ? `baseline (trial ${baseline.number})` : `trial ${target.number}`) : changesText(s.changes),
    formatNumber(s.point.mean),
    interval(s.point),
    s.gain === null ? '-' : formatNumber(s.gain.mean),
    s.gain === null ? '-' : interval(s.gain),
    mark(s.gain),
  ]);
  const gainHeader = method === 'path' ? 'gain vs previous' : `gain it brings`;
  println(io.out, renderTable(['step', method === 'path' ? 'change (from → to)' : 'undone (from → to)', 'mean', `${level} interval`, gainHeader, `${level} interval`, 'note'], body));
  const real = steps.filter((s) => s.gain !== null && !s.gain.noise && !s.gain.hurts).map((s) => s.changes.map((c) => c.name).join('+'));
  const hurt = steps.filter((s) => s.gain?.hurts === true).map((s) => s.changes.map((c) => c.name).join('+'));
  println(
    io.out,
    `total gain baseline (trial ${baseline.number}) → trial ${target.number}: ${formatNumber(total.mean)} ${interval(total)}${total.noise ? ' (noise)' : ''}. ` +
      `${real.length} of ${steps.length - 1} change(s) told apart from noise${real.length > 0 ? `: ${real.join(', ')}` : ''}${hurt.length > 0 ? `; ${hurt.join(', ')} hurt` : ''}.`,
  );
}

function gainToJson(g: AblationGain | null): JsonValue {
  if (g === null) return null;
  return { mean: jsonNumber(g.mean), std: jsonNumber(g.std), n: g.n, interval95: [jsonNumber(g.low), jsonNumber(g.high)], noise: g.noise, hurts: g.hurts };
}

function stepToJson(s: AblationStep): Record<string, JsonValue> {
  return {
    step: s.step,
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
