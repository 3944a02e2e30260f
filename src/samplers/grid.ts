import { OptionError } from '../errors.js';
import type { Distribution, ParamValue } from '../space/distributions.js';
import { cardinality, contains, snap, toExternal, toInternal } from '../space/distributions.js';
import type { ParamSpec, SearchSpace } from '../space/search-space.js';
import { isActive } from '../space/search-space.js';
import type { FrozenTrial, TrialState } from '../storage/records.js';
import type { Sampler, SearchSpaceMap, StudyView } from '../policies/policies.js';
import { Rng } from './rng.js';

/** The system attribute holding a trial's grid point index. */
export const GRID_ID_ATTR = 'grid_id';

/** Option keys a space file may give `kind: grid`. */
export const GRID_OPTION_KEYS: readonly string[] = ['seed', 'searchSpace', 'gridPoints', 'maxPoints'];

export interface GridSamplerOptions {
  /** Parameter name → the values to try (as the objective sees them). Required unless built from a declared space. */
  searchSpace?: Readonly<Record<string, readonly ParamValue[]>>;
  /** Shuffles the order in which grid points are visited. Default: the declared order. */
  seed?: number;
  /** Evenly spaced points (log-spaced for log ranges) for a continuous float when built from a declared space. Default 5. */
  gridPoints?: number;
  /** Refuse grids larger than this. Default 10,000. */
  maxPoints?: number;
}

/** One point of the grid: the value of every parameter active there. */
export type GridPoint = Readonly<Record<string, ParamValue>>;

const USED_STATES: readonly TrialState[] = ['COMPLETE', 'PRUNED', 'RUNNING', 'WAITING'];
const DEFAULT_MAX_POINTS = 10_000;

function tooLarge(count: string, maxPoints: number): OptionError {
  return new OptionError(`the grid has ${count} points, more than maxPoints=${maxPoints}; narrow the space, lower gridPoints, or raise maxPoints`);
}

function countText(count: number): string {
  return count > 1e15 ? 'more than 1e15' : String(count);
}

/** Values of one declared parameter on the grid, as the objective sees them. */
export function gridValues(dist: Distribution, gridPoints: number): ParamValue[] {
  const size = cardinality(dist);
  if (dist.kind === 'categorical') return [...dist.choices];
  if (Number.isFinite(size)) {
    const out: ParamValue[] = [];
    for (let k = 0; k < size; k++) out.push(toExternal(dist, snap(dist, dist.low + k * (dist.step as number))));
    return out;
  }
  const out: number[] = [];
  for (let k = 0; k < gridPoints; k++) {
    const t = gridPoints === 1 ? 0.5 : k / (gridPoints - 1);
    const v = dist.log ? Math.exp(Math.log(dist.low) + t * (Math.log(dist.high) - Math.log(dist.low))) : dist.low + t * (dist.high - dist.low);
    out.push(snap(dist, Number(v.toPrecision(15))));
  }
  return out;
}

/** Every active combination of a declared space (conditions respected), in declaration order. */
export function enumerateSpace(space: SearchSpace, gridPoints: number, maxPoints: number): GridPoint[] {
  const params = space.params;
  const values = new Map<string, ParamValue[]>(params.map((p) => [p.name, gridValues(p.distribution, gridPoints)]));
  const points: GridPoint[] = [];
  const walk = (index: number, chosen: Record<string, ParamValue>): void => {
    if (index === params.length) {
      if (points.length >= maxPoints) throw tooLarge(`at least ${points.length + 1}`, maxPoints);
      points.push({ ...chosen });
      return;
    }
    const spec = params[index] as ParamSpec;
    if (!isActive(spec, chosen)) {
      walk(index + 1, chosen);
      return;
    }
    for (const value of values.get(spec.name) as ParamValue[]) {
      chosen[spec.name] = value;
      walk(index + 1, chosen);
    }
    delete chosen[spec.name];
  };
  // Cheap refusal first: the unconditional product bounds the count from above only when nothing is conditional.
  if (params.every((p) => p.when === null)) {
    const product = params.reduce((acc, p) => acc * (values.get(p.name) as ParamValue[]).length, 1);
    if (product > maxPoints) throw tooLarge(countText(product), maxPoints);
  }
  walk(0, {});
  return points;
}

function enumerateExplicit(searchSpace: Readonly<Record<string, readonly ParamValue[]>>, maxPoints: number): GridPoint[] {
  const names = Object.keys(searchSpace).sort();
  for (const name of names) {
    const values = searchSpace[name];
    if (!Array.isArray(values) || values.length === 0) throw new OptionError(`grid values of "${name}" must be a non-empty array, got ${JSON.stringify(values)}`);
    for (const v of values as readonly unknown[]) {
      const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!ok) throw new OptionError(`grid values of "${name}" must be strings, finite numbers, booleans or null, got ${JSON.stringify(v)}`);
    }
  }
  const product = names.reduce((acc, name) => acc * (searchSpace[name] as readonly ParamValue[]).length, 1);
  if (product > maxPoints) throw tooLarge(countText(product), maxPoints);
  const points: GridPoint[] = [];
  for (let i = 0; i < product; i++) {
    const point: Record<string, ParamValue> = {};
    let rest = i;
    for (let j = names.length - 1; j >= 0; j--) {
      const values = searchSpace[names[j] as string] as readonly ParamValue[];
      point[names[j] as string] = values[rest % values.length] as ParamValue;
      rest = Math.floor(rest / values.length);
    }
    points.push(point);
  }
  return points;
}

function pointKey(point: Readonly<Record<string, ParamValue>>): string {
  return JSON.stringify(Object.keys(point).sort().map((k) => [k, point[k]]));
}

/**
 * Exhaustive search over a grid. Each trial takes one grid point not held by any completed,
 * pruned, running or waiting trial (failed trials free theirs for a retry); the index is
 * stored in the trial's `grid_id` system attribute, so a study resumes where it stopped and
 * a fresh sampler, another process or another machine sees what is taken. A trial picks
 * the (trial number mod #free)-th free point, so workers whose views are equally stale
 * still take different points. Once every point is taken, `isExhausted` says so; a trial
 * asked after that repeats a point.
 */
export class GridSampler implements Sampler {
  readonly points: readonly GridPoint[];
  private readonly order: readonly number[];
  private readonly names: ReadonlySet<string>;
  private byKey: Map<string, number> | null = null;
  /** Grid ids this instance handed out, by trial id: known before storage has them. */
  private readonly claimed = new Map<number, number>();

  constructor(options: GridSamplerOptions = {}, space?: SearchSpace) {
    const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
    const gridPoints = options.gridPoints ?? 5;
    if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new OptionError(`maxPoints must be a positive integer, got ${maxPoints}`);
    if (!Number.isInteger(gridPoints) || gridPoints < 1) throw new OptionError(`gridPoints must be a positive integer, got ${gridPoints}`);
    if (options.searchSpace !== undefined) this.points = enumerateExplicit(options.searchSpace, maxPoints);
    else if (space !== undefined) this.points = enumerateSpace(space, gridPoints, maxPoints);
    else throw new OptionError('GridSampler needs a searchSpace (parameter name → values) or a declared search space');
    this.names = new Set(this.points.flatMap((p) => Object.keys(p)));
    const order = this.points.map((_, i) => i);
    if (options.seed !== undefined) {
      const rng = Rng.derive(options.seed, 'grid-order');
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
    }
    this.order = order;
  }

  /** Grid ids held by trials in the study (failed trials excluded). */
  usedGridIds(study: StudyView): Set<number> {
    const used = new Set<number>();
    for (const trial of study.getTrials(USED_STATES)) {
      const id = this.gridIdOf(trial) ?? this.matchParams(trial);
      if (id !== undefined) used.add(id);
    }
    return used;
  }

  /** Whether every grid point is taken by a completed, pruned, running or waiting trial: the study should stop. */
  isExhausted(study: StudyView): boolean {
    return this.usedGridIds(study).size >= this.points.length;
  }

  /** Picks the trial's grid point (a hook run once as the trial starts); the grid is not sampled jointly. */
  inferRelativeSpace(study: StudyView, trial: FrozenTrial): SearchSpaceMap {
    if (this.gridIdOf(trial) !== undefined) return {};
    const used = this.usedGridIds(study);
    const free = this.order.filter((id) => !used.has(id));
    const id = free.length > 0 ? (free[trial.number % free.length] as number) : (this.order[trial.number % this.order.length] as number);
    this.claimed.set(trial.id, id);
    study.setTrialSystemAttr(trial.id, GRID_ID_ATTR, id);
    return {};
  }

  sampleRelative(): Record<string, number> {
    return {};
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    if (!this.names.has(name)) {
      throw new OptionError(`parameter "${name}" is not in the grid; the grid has ${[...this.names].sort().join(', ')}`);
    }
    let id = this.gridIdOf(trial);
    if (id === undefined) {
      this.inferRelativeSpace(study, trial);
      id = this.claimed.get(trial.id) as number;
    }
    const point = this.points[id] as GridPoint;
    if (!(name in point)) {
      throw new OptionError(`parameter "${name}" is inactive at grid point ${id} (${JSON.stringify(point)}) but was suggested`);
    }
    const value = point[name] as ParamValue;
    let internal: number;
    try {
      internal = toInternal(distribution, value);
    } catch {
      internal = NaN;
    }
    if (!contains(distribution, internal)) {
      throw new OptionError(`grid value ${JSON.stringify(value)} of parameter "${name}" lies outside its distribution ${JSON.stringify(distribution)}`);
    }
    return internal;
  }

  afterTrial(_study: StudyView, trial: FrozenTrial): void {
    this.claimed.delete(trial.id);
  }

  private gridIdOf(trial: FrozenTrial): number | undefined {
    const stored = trial.systemAttrs[GRID_ID_ATTR];
    if (typeof stored === 'number' && Number.isInteger(stored) && stored >= 0 && stored < this.points.length) return stored;
    return this.claimed.get(trial.id);
  }

  /** The grid point a trial's parameters match (for trials not started by this sampler). */
  private matchParams(trial: FrozenTrial): number | undefined {
    const own: Record<string, ParamValue> = {};
    for (const [name, value] of Object.entries(trial.params)) if (this.names.has(name)) own[name] = value;
    if (Object.keys(own).length === 0) return undefined;
    this.byKey ??= new Map(this.points.map((p, i) => [pointKey(p), i]));
    return this.byKey.get(pointKey(own));
  }
}
