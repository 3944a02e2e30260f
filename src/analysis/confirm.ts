/**
 * `sodate confirm`: which configurations to re-run, which re-runs are still missing, and
 * the ranking once they ran. Pure functions of a study's trials, shared by the CLI
 * (src/cli/commands/confirm.ts) and test/bench/confirm.bench.ts.
 *
 * Two ways to choose and rank (`ConfirmBy`):
 * - 'model' (the CLI's default): the best single trial, the model's proposal (a
 *   configuration no trial ran, confirm-proposal.ts) and the other configurations with the
 *   best posterior mean of a noisy GP over the tuning trials (confirm-model.ts), ranked
 *   after the re-runs by the posterior mean of the GP refitted with them. A configuration's
 *   plain mean includes its original value, which was chosen for being among the best of
 *   many noisy draws and so is biased in its favour (the winner's curse); the posterior
 *   weighs that value against the trials around it.
 * - 'mean': the N best values, ranked by the mean over the re-runs and the original.
 * Either way the rows show the plain mean with its t-interval, and the tie rule below.
 *
 * The rule for "indistinguishable from the top": a configuration is tied with the one
 * ranked first when Welch's two-sided t-test of equal means (its K re-runs and original,
 * the proposal's re-runs alone, against the first's) gives p > 0.05, or when either has fewer than two values (nothing
 * can be told apart). Non-overlapping 95% intervals always give p < 0.05; overlapping
 * ones need not, so this rule is the sharper of the two.
 */
import { hasConstraints, isFeasible } from '../multi-objective/constraints.js';
import type { ParamValue } from '../space/distributions.js';
import { confirmSeed } from '../study/seeds.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import { isRerun } from '../storage/records.js';
import type { MeanInterval } from '../numerics/student-t.js';
import { meanInterval, welchTTest } from '../numerics/student-t.js';
import type { JsonValue } from '../json.js';
import type { SearchSpace } from '../space/search-space.js';
import { toInternal } from '../space/distributions.js';
import { CONFIRM_OF_ATTR, CONFIRM_PROPOSAL_ATTR, CONFIRM_SEED_ATTR, FIXED_PARAMS_KEY, PROPOSAL_OF } from '../storage/metadata.js';
import type { ConfirmModel } from './confirm-model.js';
import { canFitPosteriorMean, fitConfirmModel, fitPosteriorMean, posteriorMeanOf } from './confirm-model.js';
import { proposeConfiguration } from './confirm-proposal.js';

/** How confirm chooses and ranks configurations (see the module comment). */
export type ConfirmBy = 'model' | 'mean';

/**
 * A configuration to confirm: a complete tuning trial (the best of those with its
 * parameters), or the model's proposal (confirm-proposal.ts), which no trial ran.
 */
export interface ConfirmCandidate {
  /** The tuning trial; null for the model's proposal. */
  readonly number: number | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly internalParams: Readonly<Record<string, number>>;
  /** The tuning trial's value; null for the proposal. */
  readonly value: number | null;
  /** The model's posterior mean at it before the re-runs ('model' only). */
  readonly modelMean?: number;
  /** The proposal's: which tuning trials it was made from (its re-runs' `sodate:confirm_proposal`). */
  readonly proposal?: string;
}

/** What a re-run's `sodate:confirm_of` holds: the trial it re-runs, or PROPOSAL_OF for the model's proposal. */
export type ConfirmOf = number | typeof PROPOSAL_OF;

/** confirmCandidates' `propose`: the study's seed, and the study file's space for its conditions. */
export interface ProposeOptions {
  readonly seed: number;
  readonly space?: SearchSpace;
}

/** The `sodate:confirm_of` of a candidate's re-runs. */
export function confirmOf(candidate: Pick<ConfirmCandidate, 'number'>): ConfirmOf {
  return candidate.number ?? PROPOSAL_OF;
}

/** One re-run still to do: the trial it confirms, its seed, the parameters to fix and the user attributes that say so. */
export interface PlannedConfirmation {
  readonly of: ConfirmOf;
  readonly seed: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
}

/** A candidate with the values of its complete re-runs (in seed order). */
export interface ConfirmGroup {
  readonly candidate: ConfirmCandidate;
  readonly reruns: readonly number[];
  /** Re-runs asked for but not complete (failed, pruned or not run). */
  readonly missing: number;
}

export interface ConfirmRow extends MeanInterval {
  /** 1 for the best mean. */
  readonly rank: number;
  /** The tuning trial; null for the model's proposal. */
  readonly trial: number | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The original trial's value (one of the `n` values the mean is over); null for the proposal (its mean is over its re-runs). */
  readonly originalValue: number | null;
  readonly reruns: readonly number[];
  readonly missing: number;
  /** Welch's two-sided p against the first-ranked configuration; null for the first itself. */
  readonly pValue: number | null;
  /** Not told apart from the first-ranked one (see the module's rule); null for the first itself (it is what the others are compared with). */
  readonly tiedWithTop: boolean | null;
  /** The model's posterior mean over every trial, re-runs included (what 'model' ranks by); null without a model. */
  readonly modelMean: number | null;
}

/** The significance level of the tie rule. */
export const TIE_ALPHA = 0.05;

/** Whether a trial is a confirmation re-run (user attribute `sodate:confirm_of`). */
export function isConfirmation(trial: Pick<FrozenTrial, 'userAttrs'>): boolean {
  return trial.userAttrs[CONFIRM_OF_ATTR] !== undefined;
}

function paramsKey(params: Readonly<Record<string, ParamValue>>): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
}

const better = (direction: Direction) => (a: number, b: number) => (direction === 'minimize' ? a - b : b - a);

/**
 * The `top` best distinct configurations among the complete, feasible trials that are not
 * re-runs (confirmation or ablation), best first (ties: the lower trial number). A configuration tried
 * twice counts once, as its better trial. 'model' with `propose` (the study's seed): the
 * model's proposal comes second, after the best single trial, when the model finds a
 * configuration it expects to beat every tried one (never in a constrained study: the
 * model does not know the constraints).
 */
export function confirmCandidates(trials: readonly FrozenTrial[], direction: Direction, top: number, by: ConfirmBy = 'mean', propose?: ProposeOptions): ConfirmCandidate[] {
  const order = better(direction);
  const tuning = trials.filter((t) => t.state === 'COMPLETE' && !isRerun(t) && isFeasible(t) && typeof t.values?.[0] === 'number' && !Number.isNaN(t.values[0]));
  const complete = tuning
    .map((t) => ({ number: t.number, params: t.params, internalParams: t.internalParams, value: t.values?.[0] as number }))
    .sort((a, b) => order(a.value, b.value) || a.number - b.number);
  const seen = new Set<string>();
  const distinct: (ConfirmCandidate & { number: number; value: number })[] = [];
  for (const c of complete) {
    const key = paramsKey(c.params);
    if (seen.has(key)) continue;
    seen.add(key);
    distinct.push(c);
    if (by === 'mean' && distinct.length === top) break;
  }
  if (by === 'mean' || distinct.length <= 1) return distinct.slice(0, top);
  const model = fitConfirmModel(tuning);
  if (model === null) return distinct.slice(0, top);
  const posterior = posteriorMeanOf(model);
  const modelled = distinct.map((c) => {
    const modelMean = posterior(c);
    return modelMean === undefined ? c : { ...c, modelMean };
  });
  // The best single trial always; then the model's best (configurations it cannot place last, by value).
  const [first, ...rest] = modelled as [(typeof modelled)[number], ...typeof modelled];
  const key = (c: ConfirmCandidate) => c.modelMean ?? NaN;
  rest.sort((a, b) => {
    const ma = key(a);
    const mb = key(b);
    if (Number.isNaN(ma) !== Number.isNaN(mb)) return Number.isNaN(ma) ? 1 : -1;
    return (Number.isNaN(ma) ? 0 : order(ma, mb)) || order(a.value, b.value) || a.number - b.number;
  });
  // The model knows nothing of constraints: in a constrained study a proposal could break them.
  const proposal = propose === undefined || top < 2 || hasConstraints(trials) ? null : proposalOf(trials, tuning, model, direction, propose);
  const proposed = proposal === null || seen.has(paramsKey(proposal.params)) ? [] : [proposal];
  return [first, ...proposed, ...rest].slice(0, top);
}

/**
 * The proposal from these tuning trials: the one already planned (read back from its
 * re-runs, so a resumed confirm re-runs exactly what it planned, whatever the floating
 * point of this run), or a new one.
 */
function proposalOf(trials: readonly FrozenTrial[], tuning: readonly FrozenTrial[], model: ConfirmModel, direction: Direction, propose: ProposeOptions): ConfirmCandidate | null {
  const key = `${tuning.length}@${Math.max(...tuning.map((t) => t.number))}`;
  const planned = trials.find((t) => t.userAttrs[CONFIRM_OF_ATTR] === PROPOSAL_OF && t.userAttrs[CONFIRM_PROPOSAL_ATTR] === key);
  const base = { number: null, value: null, proposal: key } as const;
  if (planned === undefined) {
    const fresh = proposeConfiguration(model, direction, propose.seed, propose.space);
    return fresh === null ? null : { ...base, ...fresh };
  }
  const params = fixedParamsOf(planned);
  const internalParams: Record<string, number> = {};
  for (const [name, value] of Object.entries(params)) {
    const dist = [...tuning].reverse().find((t) => t.distributions[name] !== undefined)?.distributions[name];
    if (dist === undefined) return null;
    internalParams[name] = toInternal(dist, value);
  }
  const modelMean = posteriorMeanOf(model)({ internalParams });
  return { ...base, params, internalParams, ...(modelMean === undefined ? {} : { modelMean }) };
}

/** The parameters a re-run was enqueued with (a waiting trial holds them only there). */
function fixedParamsOf(trial: FrozenTrial): Readonly<Record<string, ParamValue>> {
  const fixed = trial.systemAttrs[FIXED_PARAMS_KEY];
  return fixed !== undefined && fixed !== null && typeof fixed === 'object' && !Array.isArray(fixed) ? (fixed as Record<string, ParamValue>) : trial.params;
}

/** The K seeds of a candidate's re-runs. */
export function confirmSeedsOf(studySeed: number, original: ConfirmOf, seeds: number): number[] {
  return Array.from({ length: seeds }, (_, k) => confirmSeed(studySeed, original, k));
}

/** A candidate's re-runs with one seed; the proposal's carry its key (a later proposal, after more tuning, is another configuration). */
function confirmationsOf(trials: readonly FrozenTrial[], candidate: ConfirmCandidate, seed: number): FrozenTrial[] {
  const of = confirmOf(candidate);
  return trials.filter((t) => t.userAttrs[CONFIRM_OF_ATTR] === of && t.userAttrs[CONFIRM_SEED_ATTR] === seed && (candidate.proposal === undefined || t.userAttrs[CONFIRM_PROPOSAL_ATTR] === candidate.proposal));
}

/** The user attributes of a candidate's re-run with one seed. */
function confirmationAttrs(candidate: ConfirmCandidate, seed: number): Record<string, JsonValue> {
  return { [CONFIRM_OF_ATTR]: confirmOf(candidate), [CONFIRM_SEED_ATTR]: seed, ...(candidate.proposal === undefined ? {} : { [CONFIRM_PROPOSAL_ATTR]: candidate.proposal }) };
}

/**
 * The re-runs not yet in the study: a (candidate, seed) pair counts as there when a trial
 * with those user attributes is waiting, running, complete or pruned; only failed ones
 * (an interrupt, a crash) are planned again.
 */
export function plannedConfirmations(trials: readonly FrozenTrial[], candidates: readonly ConfirmCandidate[], seeds: number, studySeed: number): PlannedConfirmation[] {
  const out: PlannedConfirmation[] = [];
  for (const c of candidates) {
    for (const seed of confirmSeedsOf(studySeed, confirmOf(c), seeds)) {
      if (confirmationsOf(trials, c, seed).some((t) => t.state !== 'FAIL')) continue;
      out.push({ of: confirmOf(c), seed, params: c.params, userAttrs: confirmationAttrs(c, seed) });
    }
  }
  return out;
}

/** Each candidate with the value of its complete re-run for each of its K seeds (the first if several). */
export function confirmationGroups(trials: readonly FrozenTrial[], candidates: readonly ConfirmCandidate[], seeds: number, studySeed: number): ConfirmGroup[] {
  return candidates.map((candidate) => {
    const reruns: number[] = [];
    for (const seed of confirmSeedsOf(studySeed, confirmOf(candidate), seeds)) {
      // A proposal's re-run counts only if it ran the proposal: an objective that suggests by
      // its own conditions may have switched parameters on or off.
      const ranIt = (t: FrozenTrial) => candidate.proposal === undefined || paramsKey(t.params) === paramsKey(candidate.params);
      const done = confirmationsOf(trials, candidate, seed).find((t) => t.state === 'COMPLETE' && typeof t.values?.[0] === 'number' && ranIt(t));
      if (done !== undefined) reruns.push(done.values?.[0] as number);
    }
    return { candidate, reruns, missing: seeds - reruns.length };
  });
}

/**
 * The re-runs that ended without a value (FAIL, or PRUNED by a stray pruner): for each
 * candidate and seed with no complete re-run, its last attempt. Empty when every re-run
 * completed, or when the missing ones never ran (an interrupted confirm).
 */
export function unfinishedConfirmations(trials: readonly FrozenTrial[], candidates: readonly ConfirmCandidate[], seeds: number, studySeed: number): FrozenTrial[] {
  const unfinished: FrozenTrial[] = [];
  for (const candidate of candidates) {
    for (const seed of confirmSeedsOf(studySeed, confirmOf(candidate), seeds)) {
      const runs = confirmationsOf(trials, candidate, seed);
      if (runs.some((t) => t.state === 'COMPLETE')) continue;
      const last = runs.filter((t) => t.state === 'FAIL' || t.state === 'PRUNED').at(-1);
      if (last !== undefined) unfinished.push(last);
    }
  }
  return unfinished.sort((a, b) => a.number - b.number);
}

/**
 * Rank the groups (best first; ties: the lower trial number), with 95% t-intervals of the
 * mean over each one's original value and re-runs (the proposal's: its re-runs), and the
 * tie rule of this module; a proposal with no complete re-run last. 'mean':
 * by that mean. 'model': by the posterior mean of the model fitted to `trials` (every trial
 * of the study, re-runs included), when the tuning trials alone can be fitted (as when the
 * candidates were chosen) and it places every group; by the mean otherwise.
 */
export function rankConfirmations(groups: readonly ConfirmGroup[], direction: Direction, by: ConfirmBy = 'mean', trials: readonly FrozenTrial[] = []): ConfirmRow[] {
  const order = better(direction);
  // Whether there is a model is decided on the tuning trials, as when the candidates were
  // chosen: re-runs alone must not turn a study too small for the model into one ranked by it.
  const posterior = by === 'model' && canFitPosteriorMean(trials.filter((t) => !isRerun(t))) ? fitPosteriorMean(trials) : null;
  const modelOf = (g: ConfirmGroup): number | null => (posterior === null ? null : (posterior(g.candidate) ?? null));
  const summed = groups.map((g) => {
    const values = g.candidate.value === null ? [...g.reruns] : [g.candidate.value, ...g.reruns];
    return { g, values, interval: meanInterval(values), model: modelOf(g) };
  });
  const byModel = summed.every((s) => s.model !== null);
  const rankKey = (s: (typeof summed)[number]) => (byModel ? (s.model as number) : s.interval.mean);
  // A proposal none of whose re-runs completed has only the model's word: it ranks last.
  const unmeasured = (s: (typeof summed)[number]) => (s.values.length === 0 ? 1 : 0);
  const number = (s: (typeof summed)[number]) => s.g.candidate.number ?? Infinity;
  summed.sort((a, b) => unmeasured(a) - unmeasured(b) || order(rankKey(a), rankKey(b)) || number(a) - number(b));
  const first = summed[0];
  return summed.map(({ g, values, interval, model }, i) => {
    const pValue = i === 0 || first === undefined ? null : welchTTest(first.values, values).p;
    return {
      ...interval,
      rank: i + 1,
      trial: g.candidate.number,
      params: g.candidate.params,
      originalValue: g.candidate.value,
      reruns: g.reruns,
      missing: g.missing,
      pValue,
      tiedWithTop: pValue === null ? null : Number.isNaN(pValue) || pValue > TIE_ALPHA,
      modelMean: model,
    };
  });
}
