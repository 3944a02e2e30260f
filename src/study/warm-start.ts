/**
 * Warm starts: a new study's sampler learns from an earlier study's finished trials.
 *
 * The earlier trials reach samplers through one seam, the history a sampler reads
 * (`WarmStartHistory.samplerTrials`): they come first, numbered 0…W−1 with negative ids,
 * and the study's own trials follow, renumbered by +W (samplers index per-trial arrays by
 * number and derive each trial's random stream from it). Pruners, the budget, `bestTrial`
 * and storage never see them: they are not trials of the new study. So every sampler
 * (TPE, QMC, grid) uses them without a line of its own; GP tells them apart
 * (samplers/warm-trials.ts) and fits them with a task coordinate of their own
 * (samplers/gp/multi-task.ts), or as its prior mean (samplers/gp/prior-mean.ts).
 *
 * Old trials are translated into the new study's distributions by their external values:
 * - a parameter the new space no longer has is left out of every old trial;
 * - a value the new distribution holds (a number inside the moved range and on its grid, a
 *   choice still listed) is kept; a trial with one it does not hold (a value outside a
 *   narrowed range, a choice since removed) is left out whole by default (`outside: 'drop'`).
 *   Left out whole rather than losing that one parameter: TPE's group decomposition would
 *   otherwise split every group the parameter shares (a trial missing it cuts the groups),
 *   and GP's prior only the parameters every old trial has. Clipping instead (`outside: 'clip'`)
 *   keeps the trial with the value moved onto the boundary, which tells the model that the
 *   boundary scored what a point outside it scored; the warm-start bench compares the two;
 * - a parameter the earlier study never had (a knob added since) is absent from the old
 *   trials, unless `assume` says what it effectively was then (`ema: false`): TPE then models
 *   it on the new trials alone; GP's joint model puts the old trials in the middle of its
 *   range (the task coordinate's correlation absorbs the difference), its prior model is flat
 *   along a parameter the old trials lack or held at one value.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { NotFoundError, OptionError, SodateError, errorMessage } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import { contains, snap, toExternal, toInternal } from '../space/distributions.js';
import type { ParamSpec, SearchSpace } from '../space/search-space.js';
import { isActive } from '../space/search-space.js';
import type { Direction, FrozenTrial } from '../storage/records.js';
import { START_CURSOR, isBetter, isRerun } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { openStorage, redactUrl, sqlitePath } from '../storage/url.js';
import type { StudyView } from '../policies/policies.js';
import { WARM_START_OF_ATTR } from '../storage/metadata.js';
import { constraintKey, isFeasible, trialConstraints } from '../multi-objective/constraints.js';

/** `createStudy({ warmStart })`, a space file's `warmStart:`. */
export interface WarmStartOptions {
  /** The earlier study's name. */
  readonly from: string;
  /** Where it lives: a Storage or a URL (`sqlite:studies/old.db`, a `.db` path, `postgresql://…`). Default: the new study's storage. */
  readonly storage?: Storage | string;
  /**
   * The new study's parameters (a space file's `params:`): old values are translated into
   * these distributions, old parameters outside it are left out. Default: none; old trials
   * keep their distributions, and the new study's trials must suggest each parameter
   * compatibly with them (same kind and choices; numeric bounds may move, as in one study).
   */
  readonly space?: SearchSpace | Readonly<Record<string, Distribution>>;
  /** What parameters the earlier study never had effectively were in it (`{ ema: false }`). Default: none (old trials lack them). */
  readonly assume?: Readonly<Record<string, ParamValue>>;
  /** A value the new distribution does not hold: 'drop' leaves the old trial out, 'clip' moves the value onto the distribution. Default: 'drop'. */
  readonly outside?: 'drop' | 'clip';
  /** Enqueue the earlier study's best (translated) configuration as the new study's first trial, once. Default: true. */
  readonly enqueueBest?: boolean;
  /** Another place the earlier study was looked for and not found (a space file's default studies/<from>.db), named when it is refused. */
  readonly alsoLookedIn?: string;
}

/** The earlier study's finished trials as read (COMPLETE ones with values). */
export interface WarmStartSource {
  readonly from: string;
  readonly url: string;
  readonly trials: readonly FrozenTrial[];
}

/**
 * Read the earlier study. Refuses, in one line each: no such study, a storage that cannot
 * be opened (a SQLite file that does not exist is never created), another direction, the
 * study itself.
 */
export async function loadWarmStartSource(options: WarmStartOptions, target: { storage: Storage; name: string; directions: readonly Direction[] }): Promise<WarmStartSource> {
  const from = options.from;
  if (typeof from !== 'string' || from.length === 0) throw new OptionError(`warmStart.from must be the name of an earlier study, got ${JSON.stringify(from)}`);
  const { storage, owned } = await openSource(options.storage, target.storage);
  try {
    const record = await storage.loadStudy(from);
    if (record === null) throw await missingWarmStartStudy(from, storage, options.alsoLookedIn);
    if (storage.url === target.storage.url && from === target.name) throw new OptionError(`warm start: study "${from}" cannot warm-start from itself; name an earlier study in warmStart.from`);
    const same = record.directions.length === target.directions.length && record.directions.every((d, i) => d === target.directions[i]);
    if (!same) {
      throw new OptionError(
        `warm start: study "${from}" in ${storage.url} is to ${record.directions.join(', ')}, this study is to ${target.directions.join(', ')}; warm-start from a study of the same direction${target.directions.length > 1 ? 's' : ''}`,
      );
    }
    const { trials: all } = await storage.trialsSince(record.id, START_CURSOR);
    const trials = all.sort((a, b) => a.number - b.number).filter((t) => t.state === 'COMPLETE' && t.values !== null && t.values.length === target.directions.length && t.values.every((v) => !Number.isNaN(v)));
    return { from, url: storage.url, trials };
  } finally {
    if (owned) await storage.close();
  }
}

/**
 * The refusal for an earlier study that is not in `storage`, with the studies it does hold;
 * `alsoTried`: another place looked in (the study's own default file).
 */
async function missingWarmStartStudy(from: string, storage: Storage, alsoTried?: string): Promise<NotFoundError> {
  const known = (await storage.listStudies()).map((s) => s.name).slice(0, 8);
  const holds = known.length > 0 ? ` (it holds ${known.join(', ')})` : '';
  const other = alsoTried === undefined ? '' : ` nor in ${alsoTried}`;
  return new NotFoundError(`warm start: no study named "${from}" in ${storage.url}${holds}${other}; check warmStart.from, or give warmStart.storage where it lives`);
}

async function openSource(storage: Storage | string | undefined, fallback: Storage): Promise<{ storage: Storage; owned: boolean }> {
  if (storage === undefined) return { storage: fallback, owned: false };
  if (typeof storage !== 'string') return { storage, owned: false };
  const file = sqlitePath(storage.trim());
  if (file !== undefined && file !== ':memory:' && !existsSync(resolve(file))) {
    throw new NotFoundError(`warm start: ${file} does not exist; give warmStart.storage as the SQLite file (or URL) that holds the earlier study`);
  }
  try {
    return { storage: await openStorage(storage), owned: true };
  } catch (error) {
    const reason = errorMessage(error);
    throw new NotFoundError(`warm start: cannot open ${redactUrl(storage)} (${reason}); give warmStart.storage as the SQLite file (or URL) that holds the earlier study`);
  }
}

/** What the translation kept and left out, for the log line and the study's attribute. */
export interface WarmStartSummary {
  readonly from: string;
  readonly url: string;
  /** Old COMPLETE trials read. */
  readonly read: number;
  /** Old trials samplers see. */
  readonly used: number;
  /** Old trials left out (a value outside today's distribution). */
  readonly dropped: number;
  /** Old trials with a value moved onto today's distribution (`outside: 'clip'`). */
  readonly clipped: number;
  /** Old parameters the new space does not have (left out of every old trial). */
  readonly removedParams: readonly string[];
  /** Parameters given to the old trials by `assume`. */
  readonly assumed: readonly string[];
}

interface Translated {
  readonly trials: FrozenTrial[];
  /** Numbers (in `trials`) of re-runs by confirm or ablate: observations for the sampler, never the best to enqueue. */
  readonly reruns: ReadonlySet<number>;
  readonly dropped: number;
  readonly clipped: number;
  readonly removedParams: string[];
  readonly assumed: string[];
}

/**
 * The old trials in the new study's distributions (see the file comment). `declared`:
 * the new space is complete, so an old parameter outside it is dropped; otherwise it is
 * kept with its old distribution (nobody has suggested it yet).
 */
export function translateWarmTrials(
  source: WarmStartSource,
  target: ReadonlyMap<string, Distribution>,
  options: { declared: boolean; specs?: readonly ParamSpec[]; assume?: Readonly<Record<string, ParamValue>>; outside?: 'drop' | 'clip' },
): Translated {
  const outside = options.outside ?? 'drop';
  const everHad = new Set<string>();
  for (const t of source.trials) for (const name of Object.keys(t.distributions)) everHad.add(name);
  const removed = new Set<string>();
  const assume = Object.entries(options.assume ?? {}).filter(([name]) => !everHad.has(name));
  const specOf = new Map((options.specs ?? []).map((s) => [s.name, s]));
  const trials: FrozenTrial[] = [];
  const reruns = new Set<number>();
  let dropped = 0;
  let clipped = 0;
  for (const old of source.trials) {
    const params: Record<string, ParamValue> = {};
    const internalParams: Record<string, number> = {};
    const distributions: Record<string, Distribution> = {};
    let keep = true;
    let moved = false;
    for (const [name, oldDist] of Object.entries(old.distributions)) {
      const value = toExternal(oldDist, old.internalParams[name] as number);
      const dist = target.get(name);
      if (dist === undefined) {
        if (options.declared) {
          removed.add(name);
          continue;
        }
        params[name] = value;
        internalParams[name] = old.internalParams[name] as number;
        distributions[name] = oldDist;
        continue;
      }
      let internal = internalOf(dist, value);
      if (internal === undefined || !contains(dist, internal)) {
        if (outside === 'clip' && dist.kind !== 'categorical' && typeof value === 'number' && Number.isFinite(value)) {
          internal = snap(dist, value);
          moved = true;
        } else {
          keep = false;
          break;
        }
      }
      params[name] = toExternal(dist, internal);
      internalParams[name] = internal;
      distributions[name] = dist;
    }
    if (!keep) {
      dropped++;
      continue;
    }
    for (const [name, value] of assume) {
      const dist = target.get(name);
      if (dist === undefined) continue;
      const spec = specOf.get(name);
      if (spec !== undefined && !isActive(spec, params)) continue;
      const internal = internalOf(dist, value);
      if (internal === undefined || !contains(dist, internal)) continue;
      params[name] = value;
      internalParams[name] = internal;
      distributions[name] = dist;
    }
    if (moved) clipped++;
    const index = trials.length;
    if (isRerun(old)) reruns.add(index);
    trials.push({
      id: -1 - index,
      number: index,
      state: 'COMPLETE',
      values: old.values,
      params,
      internalParams,
      distributions,
      intermediateValues: new Map(),
      userAttrs: { [WARM_START_OF_ATTR]: `${source.from}#${old.number}` },
      // Constraint violations travel with the trial (c-TPE and GP read them); nothing else does.
      // Named as sodate and Optuna 5 store them; an Optuna 3 study's list comes as its indices.
      systemAttrs: Object.fromEntries(Object.entries(trialConstraints(old)).map(([name, v]) => [constraintKey(name), v])) as Record<string, JsonValue>,
      datetimeStart: old.datetimeStart,
      datetimeComplete: old.datetimeComplete,
    });
  }
  const assumed = assume.filter(([name]) => target.has(name)).map(([name]) => name);
  return { trials, reruns, dropped, clipped, removedParams: [...removed].sort(), assumed };
}

function internalOf(dist: Distribution, value: ParamValue): number | undefined {
  try {
    return toInternal(dist, value);
  } catch {
    return undefined;
  }
}

/**
 * The history samplers read in a warm-started study: the old trials, then the study's
 * own, renumbered. Translated once, when the study opens: samplers cache what they read
 * of finished trials, so an old trial never changes afterwards.
 */
export class WarmStartHistory {
  readonly source: WarmStartSource;
  /** The new space's distributions, or null when none was declared (old trials keep theirs). */
  private readonly declared: ReadonlyMap<string, Distribution> | null;
  private readonly translated: Translated;
  private lastHistory: readonly FrozenTrial[] | null = null;
  private lastMerged: readonly FrozenTrial[] = [];
  private readonly shifted = new WeakMap<FrozenTrial, FrozenTrial>();

  constructor(source: WarmStartSource, options: WarmStartOptions) {
    this.source = source;
    const space = options.space;
    let specs: readonly ParamSpec[] = [];
    if (space === undefined) this.declared = null;
    else if (isSearchSpace(space)) {
      this.declared = new Map(space.params.map((p) => [p.name, p.distribution]));
      specs = space.params;
    } else this.declared = new Map(Object.entries(space));
    this.translated = translateWarmTrials(source, this.declared ?? new Map(), {
      declared: this.declared !== null,
      specs,
      ...(options.assume === undefined ? {} : { assume: options.assume }),
      ...(options.outside === undefined ? {} : { outside: options.outside }),
    });
  }

  /** How many old trials come before the study's own (the renumbering offset). */
  get offset(): number {
    return this.translated.trials.length;
  }

  get summary(): WarmStartSummary {
    const t = this.translated;
    return { from: this.source.from, url: this.source.url, read: this.source.trials.length, used: t.trials.length, dropped: t.dropped, clipped: t.clipped, removedParams: t.removedParams, assumed: t.assumed };
  }

  /** The old trials as samplers see them (translated, numbered 0…W−1). */
  get trials(): readonly FrozenTrial[] {
    return this.translated.trials;
  }

  /**
   * The distribution old trials gave a parameter, when no space was declared: a trial of
   * the new study must suggest it compatibly (same kind and choices; bounds may move).
   */
  oldDistribution(name: string): Distribution | undefined {
    if (this.declared !== null) return undefined;
    for (const t of this.translated.trials) {
      const dist = t.distributions[name];
      if (dist !== undefined) return dist;
    }
    return undefined;
  }

  /** The old trials then `history` renumbered by the offset (the same array while `history` is). */
  samplerTrials(history: readonly FrozenTrial[]): readonly FrozenTrial[] {
    if (history === this.lastHistory) return this.lastMerged;
    const merged = this.translated.trials.slice();
    for (const trial of history) merged.push(this.forSampler(trial));
    this.lastHistory = history;
    this.lastMerged = merged;
    return merged;
  }

  /** A trial of the study as samplers see it: its number shifted past the old trials. */
  forSampler(trial: FrozenTrial): FrozenTrial {
    const cached = this.shifted.get(trial);
    if (cached !== undefined) return cached;
    const out = { ...trial, number: trial.number + this.offset };
    this.shifted.set(trial, out);
    return out;
  }

  /** The best feasible old tuning trial, translated (several objectives: the first feasible); undefined when none is left. */
  best(direction: Direction, objectives: number): FrozenTrial | undefined {
    let best: FrozenTrial | undefined;
    for (const t of this.translated.trials) {
      if (this.translated.reruns.has(t.number)) continue;
      if (!isFeasible(t)) continue;
      if (objectives > 1) return t;
      const v = t.values?.[0] as number;
      const b = best?.values?.[0];
      if (b === undefined || isBetter(direction, v, b)) best = t;
    }
    return best;
  }
}

function isSearchSpace(space: SearchSpace | Readonly<Record<string, Distribution>>): space is SearchSpace {
  return Array.isArray((space as SearchSpace).params);
}

/** The view samplers get in a warm-started study: the merged history; notes on old trials go nowhere. */
export function warmSamplerView(view: StudyView, trials: () => readonly FrozenTrial[]): StudyView {
  return {
    name: view.name,
    direction: view.direction,
    directions: view.directions,
    getTrials: (states) => (states === undefined ? trials() : trials().filter((t) => states.includes(t.state))),
    setTrialSystemAttr: (trialId, key, value) => {
      if (trialId >= 0) view.setTrialSystemAttr(trialId, key, value);
    },
  };
}

/** One line for the log: what the warm start used. */
export function describeWarmStart(summary: WarmStartSummary): string {
  const parts: string[] = [];
  if (summary.dropped > 0) parts.push(`${summary.dropped} left out: a value outside today's distribution`);
  if (summary.clipped > 0) parts.push(`${summary.clipped} with a value clipped onto it`);
  if (summary.removedParams.length > 0) parts.push(`without ${summary.removedParams.join(', ')} (no longer parameters)`);
  if (summary.assumed.length > 0) parts.push(`assuming ${summary.assumed.join(', ')}`);
  return `warm start: ${summary.used} trial${summary.used === 1 ? '' : 's'} of ${summary.from}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}; they teach the sampler and are not trials of this study`;
}

/** Whether an error is one of the warm start's one-line refusals. */
export function isWarmStartError(error: unknown): boolean {
  return error instanceof SodateError && error.message.startsWith('warm start:');
}
