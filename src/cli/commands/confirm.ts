import type { ConfirmRow } from '../../analysis/confirm.js';
import { MIN_MODEL_TRIALS } from '../../analysis/confirm-model.js';
import { TIE_ALPHA, confirmCandidates, confirmationGroups, plannedConfirmations, rankConfirmations, unfinishedConfirmations } from '../../analysis/confirm.js';
import { NotFoundError } from '../../errors.js';
import type { JsonValue } from '../../json.js';
import { CachedStorage } from '../../storage/cached.js';
import { failReason } from '../../storage/metadata.js';
import type { FrozenTrial } from '../../storage/records.js';
import { isFinished, isRerun } from '../../storage/records.js';
import { checkStudyName } from '../../storage/url.js';
import { choiceFlag, integerFlag, parseCommandArgs } from '../args.js';
import { formatNumber, formatParams, jsonNumber, renderTable } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { metricNames } from '../objective-names.js';
import { existingStorageUrlFor, openExistingStorage } from '../open-study-storage.js';
import { plainLinesReporter } from '../reporters/plain-lines.js';
import { openRerunStudy, refuseAblationStudy, runWaitingTrials } from '../../run/reruns.js';
import { EXECUTION_FLAGS, executionFlags } from './tune.js';

export const CONFIRM_HELP = `usage: sodate confirm <study> [--top N] [--seeds K] [--by model|mean] [--no-propose] [--storage URL] [--format table|json]

Re-run N distinct configurations of a finished single-objective study K more times each,
with new seeds (trial.seed, SODATE_TRIAL_SEED, {seed}), and rank them, so a lucky trial is
not taken for the best. --by model (default): the best single trial, the model's proposal
and the N - 2 others with the best posterior mean of a noisy Gaussian process fitted to the
study's trials, ranked by the posterior mean of that model refitted with the re-runs (it
weighs a lucky value against the trials around it). The proposal is the configuration with
the best posterior mean anywhere in the space, which no tuning trial ran: every parameter
moves but those the space's conditions name (in a conditional space only the numeric ones
every trial holds; the rest stay those of the best tried configuration). It is judged by
its K re-runs alone, and left out when the model expects nothing better than the tried
configurations, in a study with constraints, or with --no-propose. --by mean: the N best
values, ranked by the mean over the re-runs and the original trial. Each row shows that
mean with its 95% t-interval; a configuration is marked tied with rank 1 when Welch's
t-test against rank 1 gives p > ${TIE_ALPHA} (or either has fewer than two values); rank 1,
what the others are compared with, shows - there. With fewer than ${MIN_MODEL_TRIALS} complete
tuning trials (re-runs do not count) there is no model and --by model ranks as --by mean.

The re-runs are trials of the same study (user attributes sodate:confirm_of, the trial
they re-run or "model" for the proposal, and sodate:confirm_seed), run as \`sodate tune\`
runs trials, never pruned. Run it again after an interrupt with the same --top, --seeds,
--by and --no-propose: re-runs already done or waiting are not repeated, and the proposal
is the one planned. A re-run that fails makes confirm exit 1 with one line naming it and its
log (the ranking of what did complete is still printed); fix the cause and run it again.

options:
  --top N              configurations to confirm (default 5)
  --seeds K            new seeds per configuration (default 3)
  --by B               model (default) or mean: how configurations are chosen and ranked
  --no-propose         with --by model: confirm tried configurations only
  --storage URL        where the study lives (default: sqlite:studies/<study>.db)
  --format F           table (default) or json: an array, one object per configuration
  --devices D, --per-device K, --isolation I, --trial-timeout S, --retries N,
  --stale-after S, --log-dir DIR, --artifact-dir DIR   as for \`sodate tune\`
`;

const { format: _format, 'no-tui': _noTui, ...RUN_FLAGS } = EXECUTION_FLAGS;

export async function confirmCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'confirm',
    argv,
    { storage: { type: 'string' }, top: { type: 'string' }, seeds: { type: 'string' }, by: { type: 'string' }, 'no-propose': { type: 'boolean' }, format: { type: 'string' }, ...RUN_FLAGS },
    { min: 1, max: 1, names: 'a study name' },
  );
  if (values['help']) {
    io.out.write(CONFIRM_HELP);
    return 0;
  }
  const name = positionals[0] as string;
  checkStudyName(name);
  const top = integerFlag('confirm', 'top', values['top'], 1) ?? 5;
  const seeds = integerFlag('confirm', 'seeds', values['seeds'], 1) ?? 3;
  const by = choiceFlag('confirm', 'by', values['by'], ['model', 'mean'] as const, 'model');
  const format = choiceFlag('confirm', 'format', values['format'], ['table', 'json'] as const, 'table');
  const flags = executionFlags('confirm', { ...values, format: undefined }, io.cwd);
  // A stage's study <study>.<stage> lives in studies/<study>.db.
  const storageUrl = existingStorageUrlFor(name, values['storage'], io);
  const storage = new CachedStorage(await openExistingStorage(storageUrl, io, `sodate confirm ${name}`));
  try {
    refuseAblationStudy('confirm', await storage.loadStudy(name));
    const opened = await openRerunStudy('confirm', name, storage, flags, 'confirm ranks one objective');
    const { study, studySeed } = opened;
    const noPropose = values['no-propose'] === true;
    const propose = noPropose ? undefined : { seed: studySeed, space: opened.file.space };
    const all = await study.getTrials();
    const candidates = confirmCandidates(all, study.direction, top, by, propose);
    if (candidates.length === 0) {
      const finished = all.filter((t) => !isRerun(t) && isFinished(t.state));
      const fix =
        finished.length === 0
          ? 'run `sodate tune` on its space file first'
          : `its ${finished.length} finished tuning trial(s) ended ${[...new Set(finished.map((t) => t.state))].join(' or ')}${Object.keys(study.constraintLimits).length > 0 ? ' or missed a constraint' : ''}; see why with \`sodate trials ${name}\` and \`sodate logs ${name} <trial>\``;
      throw new NotFoundError(`sodate confirm: study "${name}" has no ${Object.keys(study.constraintLimits).length > 0 ? 'feasible ' : ''}complete trial to confirm yet; ${fix}`);
    }
    const planned = plannedConfirmations(study.trials, candidates, seeds, studySeed);
    for (const p of planned) await study.enqueueTrial(p.params, { userAttrs: { ...p.userAttrs } });
    const waiting = (await study.getTrials()).filter((t) => t.state === 'WAITING').length;
    const write = (line: string) => println(io.err, line);
    const reporter = plainLinesReporter(write);
    const proposal = candidates.find((c) => c.number === null);
    const tried = candidates.length - (proposal === undefined ? 0 : 1);
    if (candidates.length < top) reporter.notice?.(`study ${name} has ${tried} distinct complete configuration(s); confirming those${proposal === undefined ? '' : " and the model's proposal"}`);
    if (proposal !== undefined) reporter.notice?.(`the model proposes a configuration no trial ran (posterior mean ${formatNumber(proposal.modelMean ?? NaN)}): ${formatParams(proposal.params)}`);
    if (waiting > 0) {
      reporter.notice?.(`confirming ${candidates.length} configuration(s) with ${seeds} seed(s) each: ${planned.length} new re-run(s), ${waiting} waiting in all`);
      const code = await runWaitingTrials({ opened, execution: flags, storageUrl, cwd: io.cwd, reporter, samplerName: 'fixed (confirmation)' });
      if (code !== 0) {
        write(`sodate confirm: interrupted; run \`sodate confirm ${name}\` again with the same --top, --seeds and --by (${by})${noPropose ? ' and --no-propose' : ''} to finish (done re-runs are kept)`);
        return code;
      }
    }
    const trials = await study.getTrials();
    const rows = rankConfirmations(confirmationGroups(trials, candidates, seeds, studySeed), study.direction, by, trials);
    const metric = metricNames(study.userAttrs, 1)[0] as string;
    const unfinished = unfinishedConfirmations(trials, candidates, seeds, studySeed);
    // Re-runs that failed leave a ranking on fewer seeds than asked (or none): shown, but not taken for a result.
    if (unfinished.length === 0 || rows.some((r) => r.reruns.length > 0)) {
      if (format === 'json') println(io.out, JSON.stringify(rows.map(rowToJson), null, 2));
      else printTable(io, name, `${study.direction} ${metric}`, seeds, rows, candidates[0]?.number ?? undefined);
    }
    if (unfinished.length === 0) return 0;
    const first = unfinished[0] as FrozenTrial;
    const reason = failReason(first);
    write(
      `sodate confirm: ${unfinished.length} re-run(s) did not complete (${unfinished.map((t) => `#${t.number} ${t.state}`).join(', ')}${typeof reason === 'string' ? `; #${first.number}: ${reason.split('\n')[0]}` : ''}); see \`sodate logs ${name} ${first.number}\`, fix the cause and run \`sodate confirm ${name}\` again with the same options (finished re-runs are kept)`,
    );
    return 1;
  } finally {
    await storage.close();
  }
}

/** A row of `--format json`; `p_vs_top` and `tied_with_top` are null for rank 1, the configuration the others are compared with. */
export function rowToJson(row: ConfirmRow): Record<string, JsonValue> {
  return {
    rank: row.rank,
    trial: row.trial,
    proposed: row.trial === null,
    params: { ...row.params },
    original_value: row.originalValue === null ? null : jsonNumber(row.originalValue),
    rerun_values: row.reruns.map((v) => jsonNumber(v)),
    missing_reruns: row.missing,
    n: row.n,
    // A proposal none of whose re-runs completed has no values: no mean, not a NaN.
    mean: row.n === 0 ? null : jsonNumber(row.mean),
    std: row.n === 0 ? null : jsonNumber(row.std),
    interval95: row.n === 0 ? null : [jsonNumber(row.low), jsonNumber(row.high)],
    p_vs_top: row.pValue === null ? null : jsonNumber(row.pValue),
    tied_with_top: row.tiedWithTop,
    model_mean: row.modelMean === null ? null : jsonNumber(row.modelMean),
  };
}

/**
 * The table of `--format table` and the sentence after it. Rank 1 is the reference of the
 * "p vs 1" and "tied with 1" columns, so both show `-` for it; with one configuration there
 * is nothing to compare it with, and the sentence says only which one it is.
 */
export function printTable(io: CliIo, name: string, objective: string, seeds: number, rows: readonly ConfirmRow[], rawBest: number | undefined): void {
  const byModel = rows.length > 0 && rows.every((r) => r.modelMean !== null);
  println(io.out, `study ${name} (${objective}): ${rows.length} configuration(s), each re-run with ${seeds} new seed(s); ranked by ${byModel ? "the model's posterior mean (model)" : 'the mean over the re-runs and the original'}`);
  const interval = (r: ConfirmRow) => (Number.isNaN(r.low) ? '-' : `[${formatNumber(r.low)}, ${formatNumber(r.high)}]`);
  const body = rows.map((r) => [
    String(r.rank),
    r.trial === null ? 'proposal' : String(r.trial),
    r.originalValue === null ? '-' : formatNumber(r.originalValue),
    ...(byModel ? [formatNumber(r.modelMean as number)] : []),
    r.n === 0 ? '-' : formatNumber(r.mean),
    interval(r),
    `${r.n}${r.missing > 0 ? ` (${r.missing} missing)` : ''}`,
    r.pValue === null ? '-' : formatNumber(r.pValue),
    r.tiedWithTop === null ? '-' : r.tiedWithTop ? 'yes' : 'no',
    formatParams(r.params),
  ]);
  println(io.out, renderTable(['rank', 'trial', 'original', ...(byModel ? ['model'] : []), 'mean', '95% interval', 'n', 'p vs 1', 'tied with 1', 'params'], body));
  const first = rows[0];
  const tied = rows.filter((r) => r.tiedWithTop === true).length;
  if (first !== undefined) {
    const which = first.trial === null ? "the model's proposal, a configuration no tuning trial ran" : `trial ${first.trial}`;
    const lead = first.trial === rawBest ? `${which}, also the best single trial` : `${which}; the best single trial, ${rawBest}, ranks ${rows.find((r) => r.trial === rawBest)?.rank ?? '?'}`;
    const others =
      rows.length === 1 ? '' : tied === 0 ? ' Every other configuration is worse than it (Welch p ≤ 0.05).' : ` ${tied} other configuration(s) cannot be told apart from it (Welch p > 0.05): more seeds would separate them.`;
    println(io.out, `rank 1: ${lead}.${others}`);
  }
}
