import { SpaceError } from '../errors.js';
import type { CategoricalChoice, Distribution, ParamValue } from '../space/distributions.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution, toInternal } from '../space/distributions.js';
import type { Condition, ParamSpec, SearchSpace } from '../space/search-space.js';
import { compileSearchSpace } from '../space/search-space.js';
import type { Path, YamlSource } from '../space/yaml-source.js';
import { checkKeys, isMapping } from './checks.js';

/**
 * The search space of a study file: its `params:` section (ranges, log scales, steps,
 * choices and `when:` conditions), and parameter values checked against it (`baseline:`,
 * `warmStart.assume:`). The rest of the file (objective, budget, workers, policies) is
 * read in study-file.ts.
 */

const PARAM_KEYS = ['float', 'int', 'choice', 'log', 'step', 'when'];

export function parseParams(src: YamlSource, params: unknown): SearchSpace {
  if (params === undefined) throw src.fail([], 'missing "params": declare at least one parameter, e.g. `lr: { float: [1.0e-5, 1.0e-3], log: true }`');
  if (!isMapping(params) || Object.keys(params).length === 0) throw src.error(['params'], 'a mapping of parameter names to their ranges', params);
  const specs: ParamSpec[] = [];
  for (const [name, raw] of Object.entries(params)) specs.push(parseParam(src, name, raw));
  try {
    return compileSearchSpace(specs);
  } catch (error) {
    if (!(error instanceof SpaceError)) throw error;
    const named = /parameter "([^"]+)"/.exec(error.message)?.[1];
    const path: Path = named === undefined ? ['params'] : ['params', named, 'when'];
    throw src.fail(path, error.message.replace(/^parameter "[^"]+": /, ''));
  }
}

/** A mapping of parameter names to values each inside its distribution (`baseline:`, `warmStart.assume:`). */
export function parseParamValues(src: YamlSource, path: Path, raw: unknown, space: SearchSpace, example: string): Record<string, ParamValue> {
  if (!isMapping(raw) || Object.keys(raw).length === 0) throw src.error(path, `a mapping of parameter values, ${example}`, raw);
  for (const [name, value] of Object.entries(raw)) {
    const spec = space.params.find((p) => p.name === name);
    if (spec === undefined) throw src.fail([...path, name], `"${name}" is not a parameter; known: ${space.params.map((p) => p.name).join(', ')}`);
    let inside = false;
    try {
      inside = contains(spec.distribution, toInternal(spec.distribution, value as ParamValue));
    } catch {
      inside = false;
    }
    if (!inside) throw src.error([...path, name], `a value of ${describeDistribution(spec.distribution)}`, value);
  }
  return raw as Record<string, ParamValue>;
}

function describeDistribution(dist: Distribution): string {
  if (dist.kind === 'categorical') return `one of ${JSON.stringify(dist.choices)}`;
  const grid = dist.step !== null && !(dist.kind === 'int' && dist.step === 1) ? ` on steps of ${dist.step}` : '';
  return `${dist.kind} [${dist.low}, ${dist.high}]${grid}`;
}

function parseParam(src: YamlSource, name: string, raw: unknown): ParamSpec {
  const path: Path = ['params', name];
  if (!isMapping(raw)) throw src.error(path, 'a mapping such as { float: [0.0, 1.0] }, { int: [1, 8] } or { choice: [a, b] }', raw);
  checkKeys(src, path, raw, PARAM_KEYS);
  const kinds = ['float', 'int', 'choice'].filter((k) => k in raw);
  if (kinds.length !== 1) {
    throw src.fail(path, kinds.length === 0 ? 'expected exactly one of float, int or choice, found none' : `expected exactly one of float, int or choice, found ${kinds.join(' and ')}`);
  }
  const kind = kinds[0] as 'float' | 'int' | 'choice';
  const log = raw['log'] ?? false;
  if (typeof log !== 'boolean') throw src.error([...path, 'log'], 'true or false', log);
  const step = raw['step'];
  if (step !== undefined && typeof step !== 'number') throw src.error([...path, 'step'], 'a positive number', step);
  let distribution: Distribution;
  try {
    if (kind === 'choice') {
      if ('log' in raw || 'step' in raw) throw src.fail(path, 'log and step apply to float and int ranges, not to choice');
      const choices = raw['choice'];
      if (!Array.isArray(choices)) throw src.error([...path, 'choice'], 'a list of values', choices);
      if (choices.length === 0) throw src.error([...path, 'choice'], 'at least one choice', choices);
      distribution = categoricalDistribution(choices as CategoricalChoice[], name);
    } else {
      const range = raw[kind];
      const integers = kind === 'int';
      if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === 'number' && (!integers || Number.isInteger(v)))) {
        throw src.error([...path, kind], integers ? '[low, high] with two integers' : '[low, high] with two numbers', range);
      }
      const [low, high] = range as [number, number];
      if (low > high) throw src.error([...path, kind], '[low, high] with low <= high', range);
      if (log && low <= 0) throw src.error([...path, kind], 'low > 0 for a log range', range);
      if (log && step !== undefined) throw src.fail(path, 'log and step cannot be used together');
      const options = { log, ...(step === undefined ? {} : { step }) };
      distribution = integers ? intDistribution(low, high, options, name) : floatDistribution(low, high, options, name);
      // The API trims such a range silently, as Optuna does; in a file it is a typo worth a word.
      if (distribution.high !== high) {
        throw src.fail([...path, kind], `${high} is not ${low} plus a whole number of steps of ${step as number}, so the range would end at ${distribution.high}; write [${low}, ${distribution.high}], or a step that divides the range`);
      }
    }
  } catch (error) {
    if (error instanceof SpaceError && !/^[^:]+:\d+:/.test(error.message)) throw src.fail(path, error.message.replace(/^parameter "[^"]+": /, ''));
    throw error;
  }
  return { name, distribution, when: parseCondition(src, path, raw['when']) };
}

function parseCondition(src: YamlSource, path: Path, when: unknown): Condition | null {
  if (when === undefined) return null;
  if (!isMapping(when) || Object.keys(when).length === 0) throw src.error([...path, 'when'], 'a mapping such as { optimizer: sgd } or { optimizer: [sgd, adamw] }', when);
  const condition: Record<string, CategoricalChoice[]> = {};
  for (const [parent, value] of Object.entries(when)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => v !== null && typeof v === 'object')) throw src.error([...path, 'when', parent], 'a value or a list of values', value);
    condition[parent] = values as CategoricalChoice[];
  }
  return condition;
}
