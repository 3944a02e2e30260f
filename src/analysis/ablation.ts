/**
 * `sodate ablate`: which of the changes from a baseline configuration to a better one
 * (the best trial) actually helped. Pure functions of a study's trials, shared by the CLI
 * (src/cli/commands/ablate.ts) and test/bench/ablation.bench.ts.
 *
 * The changes are the parameters whose values differ between the two configurations,
 * grouped so that a conditional parameter moves with the parent it depends on (momentum
 * with optimizer: sgd); each group is flipped whole.
 *
 * Two methods (after Fawcett & Hoos 2016, "Analysing differences between algorithm
 * configurations through ablation"):
 * - path (default): greedy forward from the baseline. Each round, every group not yet
 *   flipped is tried flipped on top of those fixed so far, each candidate on K 'search'
 *   seeds; the one with the best mean is fixed and the next round starts. d groups cost
 *   K·(d(d+1)/2 − 1) search runs. The chosen path (baseline, then one more group at each
 *   step, ending at the target) is then measured on K fresh 'report' seeds, K·(d+1) runs:
 *   a step chosen as the best of several has its search mean biased in its favour (the
 *   winner's curse), and fresh seeds give intervals that hold when re-run.
 * - leave-one-out: from the target, each group alone flipped back to the baseline, on the
 *   report seeds: K·(d+2) runs. A group's gain is what it adds with all others in place;
 *   the gains need not add up to the total, and two changes that do the same thing each
 *   look useless.
 *
 * Every configuration runs on the same seeds (common random numbers), so a step's gain is
 * the mean of K paired differences with its t-interval (seed noise shared by the two
 * configurations cancels). A gain whose 95% interval covers 0 is marked as noise. On the
 * path the step gains add up exactly to the total gain baseline → target.
 *
 * A staged study (src/run/stages.ts) is ablated by stage: `stageAblationGroups` makes one
 * group of the parameters each stage opened, so each step flips a whole stage from the
 * baseline (in the first stage's study) to the last stage's best, through the same methods.
 */
import type { ParamValue } from '../space/distributions.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import type { JsonValue } from '../json.js';
import { ablationSeed } from '../study/seeds.js';
import type { MeanInterval } from '../numerics/student-t.js';
import { meanInterval } from '../numerics/student-t.js';
import { ABLATION_ATTR, ABLATION_SEED_ATTR, isBaseline } from '../storage/metadata.js';

export type AblationMethod = 'path' | 'leave-one-out';
export type SeedRole = 'search' | 'report';

/** One end of the ablation: a trial and its parameters. */
export interface AblationEndpoint {
  readonly number: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The study the trial is in, when it is not the ablated one (a staged study's baseline, in its first stage's study). */
  readonly study?: string;
}

/** A parameter's value in the baseline and in the target; null where it is absent (an inactive conditional). */
export interface ParamChange {
  readonly name: string;
  readonly from: ParamValue | null;
  readonly to: ParamValue | null;
}

/** Parameters flipped together: one that differs, with the differing parameters its condition names (and theirs). */
export interface AblationGroup {
  readonly names: readonly string[];
  readonly changes: readonly ParamChange[];
  /** The stage that opened these parameters, when the ablation goes by stage. */
  readonly stage?: string;
}

/** A stage of a staged study as the ablation sees it: its name and the parameters it opened (its lineage's `opens`). */
export interface AblationStage {
  readonly name: string;
  readonly opens: readonly string[];
}

export interface AblationSetup {
  readonly baseline: AblationEndpoint;
  readonly target: AblationEndpoint;
  /** In the space's parameter order (ties in the greedy choice go to the earlier group). */
  readonly groups: readonly AblationGroup[];
  /** K: seeds per configuration (per role). */
  readonly seeds: number;
  /** Base of the runs' seeds: the study's seed, or `sodate ablate --seed`. */
  readonly studySeed: number;
  readonly direction: Direction;
  readonly method: AblationMethod;
}

/** The user attribute `sodate:ablation` of an ablation run: what it measures. */
export interface AblationAttr {
  readonly baseline: number;
  /** Stored as `baseline_study`: the baseline's study when it is another one (a staged study's first stage). */
  readonly baselineStudy?: string;
  readonly target: number;
  /** The parameters set to the target's values (sorted); the others have the baseline's. */
  readonly flipped: readonly string[];
  readonly role: SeedRole;
  /** The seed's index k within its role. */
  readonly k: number;
}

/** One run still to do. */
export interface PlannedAblationRun {
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly seed: number;
  readonly attr: AblationAttr;
}

/** A configuration's values on the report seeds (in seed order) with their mean and t-interval. */
export interface AblationPoint extends MeanInterval {
  readonly values: readonly number[];
}

/** A gain (positive: better in the study's direction) as the mean of paired differences. */
export interface AblationGain extends MeanInterval {
  /** The 95% interval covers 0, or is unknown: not told apart from noise. */
  readonly noise: boolean;
  /** The interval lies wholly on the worse side of 0: the change hurt. */
  readonly hurts: boolean;
}

export interface AblationStep {
  /** 0: the configuration the others are measured against (the baseline on the path, the target leaving one out). */
  readonly step: number;
  /** What this step changes: on the path from the previous step's values to the target's; leaving one out from the target's back to the baseline's. */
  readonly changes: readonly ParamChange[];
  readonly point: AblationPoint;
  /** Path: this step over the previous one. Leave-one-out: the target over this step (what the group adds). Null for step 0. */
  readonly gain: AblationGain | null;
  /** This step over the baseline (on the path: the sum of the gains so far); null for the baseline itself. */
  readonly fromBaseline: AblationGain | null;
  /** Path: how many groups this step's group was chosen among (1: the last one left); 0 elsewhere. */
  readonly chosenAmong: number;
  /** The stage whose parameters this step flips, when the ablation goes by stage. */
  readonly stage?: string;
}

export interface AblationResult {
  readonly method: AblationMethod;
  readonly baseline: AblationEndpoint;
  readonly target: AblationEndpoint;
  readonly steps: readonly AblationStep[];
  /** Target over baseline, paired over the report seeds. */
  readonly total: AblationGain;
}

export interface AblationProgress {
  /** Runs to do before the next decision (empty once `result` is there). */
  readonly planned: readonly PlannedAblationRun[];
  /** The path's order so far (group indices), leaving-one-out: empty. */
  readonly order: readonly number[];
  readonly result: AblationResult | null;
}

/** The confidence level of the intervals and the noise rule. */
export const ABLATION_LEVEL = 0.95;

export { ablationGroups, stageAblationGroups } from './ablation-groups.js';

/** The baseline with the given groups set to the target's values (a parameter the target lacks is removed). */
export function flippedConfig(setup: Pick<AblationSetup, 'baseline' | 'groups'>, flipped: readonly number[]): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = { ...setup.baseline.params };
  for (const g of flipped) {
    for (const change of (setup.groups[g] as AblationGroup).changes) {
      if (change.to === null) delete params[change.name];
      else params[change.name] = change.to;
    }
  }
  return params;
}

function flippedNames(setup: Pick<AblationSetup, 'groups'>, flipped: readonly number[]): string[] {
  return flipped.flatMap((g) => (setup.groups[g] as AblationGroup).names).sort();
}

/** Read a trial's `sodate:ablation` attribute, if it is an ablation run. */
export function ablationAttrOf(trial: Pick<FrozenTrial, 'userAttrs'>): AblationAttr | undefined {
  const raw = trial.userAttrs[ABLATION_ATTR] as Record<string, JsonValue> | undefined;
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { baseline, target, flipped, role, k, baseline_study: baselineStudy } = raw;
  if (typeof baseline !== 'number' || typeof target !== 'number' || typeof k !== 'number' || (role !== 'search' && role !== 'report') || !Array.isArray(flipped)) return undefined;
  return { baseline, ...(typeof baselineStudy === 'string' ? { baselineStudy } : {}), target, flipped: flipped.filter((f): f is string => typeof f === 'string'), role, k };
}

/** The attribute as stored (a JSON object). */
export function ablationAttrJson(attr: AblationAttr): JsonValue {
  return { baseline: attr.baseline, ...(attr.baselineStudy === undefined ? {} : { baseline_study: attr.baselineStudy }), target: attr.target, flipped: [...attr.flipped], role: attr.role, k: attr.k };
}

const runKey = (flipped: readonly string[], role: SeedRole, k: number) => `${role}|${k}|${flipped.join('\u0000')}`;

/** The state of the ablation's runs in the study: a value for each complete one, and which are there at all. */
class RunIndex {
  private readonly values = new Map<string, number>();
  /** Waiting, running or complete (a failed or pruned run is planned again). */
  private readonly present = new Set<string>();

  constructor(trials: readonly FrozenTrial[], setup: AblationSetup) {
    for (const t of trials) {
      const attr = ablationAttrOf(t);
      if (attr === undefined || attr.baseline !== setup.baseline.number || attr.target !== setup.target.number || attr.baselineStudy !== setup.baseline.study) continue;
      // A run made under another seed base (`sodate ablate --seed`) belongs to another measurement.
      const seed = t.userAttrs[ABLATION_SEED_ATTR];
      if (typeof seed === 'number' && seed !== ablationSeed(setup.studySeed, attr.role, attr.k)) continue;
      const key = runKey(attr.flipped, attr.role, attr.k);
      if (t.state === 'WAITING' || t.state === 'RUNNING') this.present.add(key);
      const value = t.values?.[0];
      if (t.state === 'COMPLETE' && typeof value === 'number' && !Number.isNaN(value) && !this.values.has(key)) {
        this.values.set(key, value);
        this.present.add(key);
      }
    }
  }

  value(flipped: readonly string[], role: SeedRole, k: number): number | undefined {
    return this.values.get(runKey(flipped, role, k));
  }

  isPresent(flipped: readonly string[], role: SeedRole, k: number): boolean {
    return this.present.has(runKey(flipped, role, k));
  }
}

/**
 * Where the ablation stands given the study's trials: the runs to do before the next
 * decision, or the result once every run it needs is complete. Resuming is calling it
 * again: done runs are reused, a run waiting or running is not planned twice, a failed
 * one is planned again.
 */
export function ablationProgress(trials: readonly FrozenTrial[], setup: AblationSetup): AblationProgress {
  const index = new RunIndex(trials, setup);
  const planned = new Map<string, PlannedAblationRun>();
  const sign = setup.direction === 'minimize' ? -1 : 1;
  const seedIndices = Array.from({ length: setup.seeds }, (_, k) => k);

  /** The values of a configuration on a role's seeds, or undefined (its missing runs planned). */
  const measure = (flipped: readonly number[], role: SeedRole): number[] | undefined => {
    const names = flippedNames(setup, flipped);
    const values: number[] = [];
    let complete = true;
    for (const k of seedIndices) {
      const value = index.value(names, role, k);
      if (value !== undefined) {
        values.push(value);
        continue;
      }
      complete = false;
      const key = runKey(names, role, k);
      if (!index.isPresent(names, role, k) && !planned.has(key)) {
        planned.set(key, {
          params: flippedConfig(setup, flipped),
          seed: ablationSeed(setup.studySeed, role, k),
          attr: { baseline: setup.baseline.number, ...(setup.baseline.study === undefined ? {} : { baselineStudy: setup.baseline.study }), target: setup.target.number, flipped: names, role, k },
        });
      }
    }
    return complete ? values : undefined;
  };

  const d = setup.groups.length;
  const all = Array.from({ length: d }, (_, g) => g);
  // The two ends are measured in every method: plan them from the start so they run alongside the first round.
  const baselineValues = measure([], 'report');
  const targetValues = measure(all, 'report');

  if (setup.method === 'leave-one-out') {
    const reverted = all.map((g) => measure(all.filter((h) => h !== g), 'report'));
    if (baselineValues === undefined || targetValues === undefined || reverted.some((v) => v === undefined)) return { planned: [...planned.values()], order: [], result: null };
    const rows = all.map((g) => {
      const values = reverted[g] as number[];
      const group = setup.groups[g] as AblationGroup;
      return {
        changes: group.changes.map((c) => ({ name: c.name, from: c.to, to: c.from })),
        ...stageOf(group),
        point: pointOf(values),
        gain: pairedGain(values, targetValues, sign),
        fromBaseline: pairedGain(baselineValues, values, sign),
      };
    });
    // Largest contribution first; ties keep the space's order (sort is stable).
    rows.sort((a, b) => b.gain.mean - a.gain.mean);
    const steps: AblationStep[] = [
      { step: 0, changes: [], point: pointOf(targetValues), gain: null, fromBaseline: pairedGain(baselineValues, targetValues, sign), chosenAmong: 0 },
      ...rows.map((r, i) => ({ step: i + 1, ...r, chosenAmong: 0 })),
    ];
    return { planned: [], order: [], result: { method: setup.method, baseline: setup.baseline, target: setup.target, steps, total: pairedGain(baselineValues, targetValues, sign) } };
  }

  // The path: greedy rounds on the search seeds, one group fixed per round.
  const order: number[] = [];
  const among: number[] = [];
  let remaining = [...all];
  while (remaining.length > 1) {
    const candidates = remaining.map((g) => ({ g, values: measure([...order, g], 'search') }));
    if (candidates.some((c) => c.values === undefined)) return { planned: [...planned.values()], order, result: null };
    let best = candidates[0] as { g: number; values: number[] };
    for (const c of candidates) {
      if (sign * meanOf(c.values as number[]) > sign * meanOf(best.values)) best = c as { g: number; values: number[] };
    }
    order.push(best.g);
    among.push(remaining.length);
    remaining = remaining.filter((g) => g !== best.g);
  }
  if (remaining.length === 1) {
    order.push(remaining[0] as number);
    among.push(1);
  }
  // The chosen path, measured on the report seeds.
  const pathValues = order.map((_, i) => (i === order.length - 1 ? targetValues : measure(order.slice(0, i + 1), 'report')));
  if (baselineValues === undefined || targetValues === undefined || pathValues.some((v) => v === undefined)) return { planned: [...planned.values()], order, result: null };
  const steps: AblationStep[] = [{ step: 0, changes: [], point: pointOf(baselineValues), gain: null, fromBaseline: null, chosenAmong: 0 }];
  let previous = baselineValues;
  order.forEach((g, i) => {
    const values = pathValues[i] as number[];
    steps.push({ step: i + 1, changes: (setup.groups[g] as AblationGroup).changes, point: pointOf(values), gain: pairedGain(previous, values, sign),
      fromBaseline: pairedGain(baselineValues, values, sign),
      chosenAmong: among[i] as number,
      ...stageOf(setup.groups[g] as AblationGroup),
    });
    previous = values;
  });
  return { planned: [], order, result: { method: setup.method, baseline: setup.baseline, target: setup.target, steps, total: pairedGain(baselineValues, targetValues, sign) } };
}

/** How many runs an ablation of d groups with K seeds needs at most (none reused). */
export function ablationCost(method: AblationMethod, groups: number, seeds: number): number {
  if (groups <= 1) return 2 * seeds;
  if (method === 'leave-one-out') return (groups + 2) * seeds;
  return ((groups * (groups + 1)) / 2 - 1 + groups + 1) * seeds;
}

const stageOf = (group: AblationGroup): { stage?: string } => (group.stage === undefined ? {} : { stage: group.stage });

function meanOf(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

function pointOf(values: readonly number[]): AblationPoint {
  return { ...meanInterval(values, ABLATION_LEVEL), values };
}

/** The gain of `to` over `from` (positive: better), the mean of the seed-by-seed differences with its t-interval. */
export function pairedGain(from: readonly number[], to: readonly number[], sign: 1 | -1): AblationGain {
  if (from.length !== to.length) throw new RangeError(`paired samples need the same length, got ${from.length} and ${to.length}`);
  const differences = to.map((v, i) => sign * (v - (from[i] as number)));
  const interval = meanInterval(differences, ABLATION_LEVEL);
  const known = !Number.isNaN(interval.low);
  return { ...interval, noise: !known || (interval.low <= 0 && interval.high >= 0), hurts: known && interval.high < 0 };
}

/**
 * The baseline: trial `number` when given, else the trial `sodate tune` enqueued from the
 * space file's `baseline:` (user attribute `sodate:baseline`), a complete one first.
 * Undefined when there is none.
 */
export function findBaseline(trials: readonly FrozenTrial[], number?: number): FrozenTrial | undefined {
  if (number !== undefined) return trials.find((t) => t.number === number);
  const marked = trials.filter((t) => isBaseline(t) && Object.keys(t.params).length > 0);
  return marked.find((t) => t.state === 'COMPLETE') ?? marked[0];
}

/** The user attributes an ablation run is stored with. */
export function ablationUserAttrs(run: PlannedAblationRun): Record<string, JsonValue> {
  return { [ABLATION_ATTR]: ablationAttrJson(run.attr), [ABLATION_SEED_ATTR]: run.seed };
}
