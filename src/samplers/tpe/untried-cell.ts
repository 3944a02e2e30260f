import type { Domain } from './domain.js';
import { candidateToInternal } from './domain.js';
import type { Configurations } from './configurations.js';
import type { ParzenEstimator } from './parzen-estimator.js';

/** Spaces of at most this many cells are enumerated when redraws find no untried one. */
const ENUMERABLE_CELLS = 4096;

/**
 * The untried cell with the best l/g in an all-discrete space of at most ENUMERABLE_CELLS
 * cells; null when the space is larger (or continuous somewhere) or every cell is taken.
 */
export function bestUntriedCell(domains: readonly Domain[], below: ParzenEstimator, above: ParzenEstimator, taken: Configurations): number[] | null {
  const sizes = domains.map((d) => (d.kind === 'categorical' ? d.size : d.grid === null ? Infinity : d.grid.size));
  const total = sizes.reduce((a, b) => a * b, 1);
  if (!(total <= ENUMERABLE_CELLS)) return null;
  const cells = Array.from(sizes, () => new Float64Array(total));
  for (let c = 0; c < total; c++) {
    let rest = c;
    for (let d = 0; d < sizes.length; d++) {
      (cells[d] as Float64Array)[c] = rest % (sizes[d] as number);
      rest = Math.floor(rest / (sizes[d] as number));
    }
  }
  const logL = below.logDensity(cells, total);
  const logG = above.logDensity(cells, total);
  let best: number[] | null = null;
  let bestScore = -Infinity;
  for (let c = 0; c < total; c++) {
    const values = domains.map((domain, d) => candidateToInternal(domain, (cells[d] as Float64Array)[c] as number));
    if (taken.keys.has(taken.keyOf(values))) continue;
    const score = (logL[c] as number) - (logG[c] as number);
    if (best === null || score > bestScore) {
      best = values;
      bestScore = score;
    }
  }
  return best;
}
