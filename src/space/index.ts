export type { CategoricalChoice, CategoricalDistribution, Distribution, FloatDistribution, IntDistribution, ParamValue, RangeOptions } from './distributions.js';
export {
  cardinality,
  categoricalDistribution,
  checkCompatible,
  contains,
  floatDistribution,
  intDistribution,
  isSingleValue,
  sameDistribution,
  snap,
  toExternal,
  toInternal,
} from './distributions.js';
export { distributionFromJson, distributionToJson } from './distribution-json.js';
export type { Condition, ParamSpec, SearchSpace, Suggester } from './search-space.js';
export { compileSearchSpace, isActive, suggestAll } from './search-space.js';
