import { SpaceError } from '../errors.js';
import type { CategoricalChoice, Distribution, ParamValue, RangeOptions } from './distributions.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution, toInternal } from './distributions.js';

/** `when: { optimizer: [sgd] }`: each named parameter must be present and equal one of the values. */
export type Condition = Readonly<Record<string, readonly CategoricalChoice[]>>;

export interface ParamSpec {
  readonly name: string;
  readonly distribution: Distribution;
  /** Null: always present. */
  readonly when: Condition | null;
}

/** A declared search space, parameters ordered so that each comes after those its condition names. */
export interface SearchSpace {
  readonly params: readonly ParamSpec[];
}

/** Whatever can hand out a value for a named distribution: a Trial, or a test double. */
export interface Suggester {
  suggest(name: string, distribution: Distribution): ParamValue;
}

/**
 * Validate conditions and order the parameters so that every condition is evaluated
 * after the parameters it depends on. Rejects unknown names, values a parent can never
 * take, and cycles.
 */
export function compileSearchSpace(specs: readonly ParamSpec[]): SearchSpace {
  const byName = new Map<string, ParamSpec>();
  for (const spec of specs) {
    if (byName.has(spec.name)) throw new SpaceError(`parameter "${spec.name}" is declared twice`);
    byName.set(spec.name, spec);
  }
  for (const spec of specs) {
    for (const [parent, values] of Object.entries(spec.when ?? {})) {
      const parentSpec = byName.get(parent);
      if (parentSpec === undefined) {
        throw new SpaceError(`parameter "${spec.name}": condition names unknown parameter "${parent}"; known: ${[...byName.keys()].join(', ')}`);
      }
      if (parent === spec.name) throw new SpaceError(`parameter "${spec.name}": condition cannot name the parameter itself`);
      if (values.length === 0) throw new SpaceError(`parameter "${spec.name}": condition on "${parent}" lists no values`);
      for (const value of values) {
        if (!canTake(parentSpec.distribution, value)) {
          throw new SpaceError(`parameter "${spec.name}": condition ${parent} = ${JSON.stringify(value)} can never hold; "${parent}" does not take that value`);
        }
      }
    }
  }
  const ordered: ParamSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (spec: ParamSpec, path: string[]): void => {
    const mark = state.get(spec.name);
    if (mark === 'done') return;
    if (mark === 'visiting') throw new SpaceError(`conditions form a cycle: ${[...path, spec.name].join(' -> ')}`);
    state.set(spec.name, 'visiting');
    for (const parent of Object.keys(spec.when ?? {})) visit(byName.get(parent) as ParamSpec, [...path, spec.name]);
    state.set(spec.name, 'done');
    ordered.push(spec);
  };
  for (const spec of specs) visit(spec, []);
  return { params: ordered };
}

function canTake(dist: Distribution, value: CategoricalChoice): boolean {
  try {
    return contains(dist, toInternal(dist, value as ParamValue));
  } catch {
    return false;
  }
}

/** Whether a parameter is present given the values chosen so far. */
export function isActive(spec: ParamSpec, chosen: Readonly<Record<string, ParamValue>>): boolean {
  if (spec.when === null) return true;
  for (const [parent, values] of Object.entries(spec.when)) {
    if (!(parent in chosen)) return false;
    if (!values.includes(chosen[parent] as CategoricalChoice)) return false;
  }
  return true;
}

/** The declared parameters a trial with `chosen` leaves out, each with its condition as a space file writes it. */
export function inactiveParams(space: SearchSpace, chosen: Readonly<Record<string, ParamValue>>): Record<string, string> {
  const inactive: Record<string, string> = {};
  for (const spec of space.params) {
    if (spec.name in chosen || spec.when === null) continue;
    const clauses = Object.entries(spec.when).map(([parent, values]) => `${parent}: ${values.length === 1 ? String(values[0]) : `[${values.map(String).join(', ')}]`}`);
    inactive[spec.name] = `{ ${clauses.join(', ')} }`;
  }
  return inactive;
}

/** Suggest every active parameter of the space, in dependency order. */
export function suggestAll(space: SearchSpace, suggester: Suggester): Record<string, ParamValue> {
  const chosen: Record<string, ParamValue> = {};
  for (const spec of space.params) {
    if (isActive(spec, chosen)) chosen[spec.name] = suggester.suggest(spec.name, spec.distribution);
  }
  return chosen;
}

/**
 * The typed `suggest*` methods of the define-by-run API, built on `suggest`: shared by the
 * study's Trial and the trial objects that run in worker threads and processes.
 */
export abstract class TypedSuggester implements Suggester {
  abstract suggest(name: string, distribution: Distribution): ParamValue;

  suggestFloat(name: string, low: number, high: number, options: RangeOptions = {}): number {
    return this.suggest(name, floatDistribution(low, high, options, name)) as number;
  }

  suggestInt(name: string, low: number, high: number, options: RangeOptions = {}): number {
    return this.suggest(name, intDistribution(low, high, options, name)) as number;
  }

  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.suggest(name, categoricalDistribution(choices, name)) as T;
  }
}
