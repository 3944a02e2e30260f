import { SpaceError } from '../errors.js';
import type { CategoricalChoice, Distribution } from './distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution } from './distributions.js';

/**
 * The JSON form of a distribution is Optuna's (`{"name": "FloatDistribution",
 * "attributes": {...}}`), so the same text serves the database, Optuna's tools
 * and sodate's own files.
 */
export function distributionToJson(dist: Distribution): string {
  switch (dist.kind) {
    case 'float':
      return JSON.stringify({ name: 'FloatDistribution', attributes: { step: dist.step, low: dist.low, high: dist.high, log: dist.log } });
    case 'int':
      return JSON.stringify({ name: 'IntDistribution', attributes: { log: dist.log, step: dist.step, low: dist.low, high: dist.high } });
    case 'categorical':
      return JSON.stringify({ name: 'CategoricalDistribution', attributes: { choices: dist.choices } });
  }
}

function num(attrs: Record<string, unknown>, key: string): number {
  const v = attrs[key];
  if (typeof v !== 'number') throw new SpaceError(`distribution JSON: attribute "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function distributionFromJson(text: string): Distribution {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SpaceError(`distribution JSON is not valid JSON: ${text.slice(0, 80)}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new SpaceError(`distribution JSON must be an object, got ${text.slice(0, 80)}`);
  const { name, attributes } = parsed as { name?: unknown; attributes?: unknown };
  const attrs = (attributes ?? {}) as Record<string, unknown>;
  const step = attrs['step'];
  switch (name) {
    case 'FloatDistribution':
      return floatDistribution(num(attrs, 'low'), num(attrs, 'high'), { log: attrs['log'] === true, step: typeof step === 'number' ? step : null });
    case 'IntDistribution':
      return intDistribution(num(attrs, 'low'), num(attrs, 'high'), { log: attrs['log'] === true, step: typeof step === 'number' ? step : 1 });
    case 'CategoricalDistribution':
      return categoricalDistribution(attrs['choices'] as CategoricalChoice[]);
    // The distributions of Optuna before 3.0, still found in old databases.
    case 'UniformDistribution':
      return floatDistribution(num(attrs, 'low'), num(attrs, 'high'));
    case 'LogUniformDistribution':
      return floatDistribution(num(attrs, 'low'), num(attrs, 'high'), { log: true });
    case 'DiscreteUniformDistribution':
      return floatDistribution(num(attrs, 'low'), num(attrs, 'high'), { step: num(attrs, 'q') });
    case 'IntUniformDistribution':
      return intDistribution(num(attrs, 'low'), num(attrs, 'high'), { step: typeof step === 'number' ? step : 1 });
    case 'IntLogUniformDistribution':
      return intDistribution(num(attrs, 'low'), num(attrs, 'high'), { log: true });
    default:
      throw new SpaceError(`distribution JSON: unknown distribution ${JSON.stringify(name)}`);
  }
}
