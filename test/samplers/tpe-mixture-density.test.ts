import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logSumExp } from '../../src/numerics/logsumexp.js';
import { LOG_SQRT_2PI, logGaussMass } from '../../src/numerics/truncnorm.js';
import type { Distribution } from '../../src/space/distributions.js';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../src/space/distributions.js';
import type { Domain } from '../../src/samplers/tpe/domain.js';
import { domainOf } from '../../src/samplers/tpe/domain.js';
import type { EstimatorSettings, Kernels } from '../../src/samplers/tpe/kernels.js';
import { categoricalKernels, logNormOf, numericKernels } from '../../src/samplers/tpe/kernels.js';
import { mixtureLogDensity } from '../../src/samplers/tpe/mixture-density.js';
import { WorkArrays } from '../../src/samplers/tpe/work-arrays.js';

const SETTINGS: EstimatorSettings = { priorWeight: 1, magicClip: true, minBandwidthFactor: 0.01, bandwidth: 'neighbor', categoricalBandwidth: 0.2 };

/**
 * Every dimension kind the density reads: continuous, log, a grid, categorical. Batches hold
 * at least as many points as the grid has cells, so its masses are tabulated exactly
 * (larger grids use a documented approximation).
 */
const DISTRIBUTIONS: Distribution[] = [
  floatDistribution(-3, 3),
  floatDistribution(1e-5, 1e-1, { log: true }),
  intDistribution(0, 5),
  categoricalDistribution(['a', 'b', 'c']),
];

/** The log density from its definition: every component, every term, summed in full. */
function reference(kernels: readonly Kernels[], logWeights: Float64Array, point: readonly number[]): number {
  const v = Array.from(logWeights, (logWeight, i) => {
    let sum = logWeight;
    kernels.forEach((k, d) => {
      const x = point[d] as number;
      if (k.kind === 'categorical') {
        sum += x === k.choices[i] ? (k.logHit[i] as number) : (k.logMiss[i] as number);
        return;
      }
      const mu = k.mus[i] as number;
      const sigma = k.sigmas[i] as number;
      const grid = k.domain.grid;
      const logMass =
        grid === null
          ? -0.5 * ((x - mu) / sigma) ** 2 - Math.log(sigma) - LOG_SQRT_2PI
          : logGaussMass(((grid.edges[x] as number) - mu) / sigma, ((grid.edges[x + 1] as number) - mu) / sigma);
      sum += logMass - logNormOf(k, i);
    });
    return sum;
  });
  return logSumExp(v);
}

interface Case {
  kernels: Kernels[];
  logWeights: Float64Array;
  points: Float64Array[];
}

/** A mixture over `dims` of DISTRIBUTIONS fitted to `n` observations near a few centres, and `count` points. */
function makeCase(picks: number[], observations: number[][], weights: number[], points: number[][]): Case {
  const domains: Domain[] = picks.map((p) => domainOf(DISTRIBUTIONS[p] as Distribution));
  const coordinate = (domain: Domain, u: number): number => {
    if (domain.kind === 'categorical') return Math.min(domain.size - 1, Math.floor(u * domain.size));
    if (domain.grid !== null) return Math.min(domain.grid.size - 1, Math.floor(u * domain.grid.size));
    return domain.low + u * (domain.high - domain.low);
  };
  const kernels = domains.map((domain, d): Kernels => {
    const obs = Float64Array.from(observations, (o) => coordinate(domain, o[d] as number));
    if (domain.kind === 'categorical') return categoricalKernels(domain, obs, true, obs.length + 1, SETTINGS, new WorkArrays());
    // Kernels are centred on grid points; cells index them.
    const centres = domain.grid === null ? obs : obs.map((cell) => domain.grid?.points[cell] as number);
    return numericKernels(domain, centres, true, centres.length + 1, domains.length, SETTINGS, null, new WorkArrays());
  });
  const total = weights.reduce((a, b) => a + b, 0) + 1;
  const logWeights = Float64Array.from([...weights, 1], (w) => Math.log(w / total));
  return { kernels, logWeights, points: domains.map((domain, d) => Float64Array.from(points, (p) => coordinate(domain, p[d] as number))) };
}

const arbitraryCase = fc.integer({ min: 1, max: 5 }).chain((dims) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: DISTRIBUTIONS.length - 1 }), { minLength: dims, maxLength: dims }),
      fc.array(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: dims, maxLength: dims }), { maxLength: 300, size: 'max' }),
      fc.array(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: dims, maxLength: dims }), { minLength: 6, maxLength: 30 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    )
    .map(([picks, observations, points, spread]) =>
      // Observations pulled towards the first one by `spread`, so that kernels overlap as much as they do in a converged study.
      makeCase(
        picks,
        observations.map((o) => o.map((u, d) => (observations[0]?.[d] ?? u) + spread ** 3 * (u - (observations[0]?.[d] ?? u)))),
        observations.map((_, i) => 0.5 + (i % 3) / 2),
        points,
      ),
    ),
);

describe('mixtureLogDensity', () => {
  it('equals the full sum over every component (random mixtures of every dimension kind)', () => {
    fc.assert(
      fc.property(arbitraryCase, ({ kernels, logWeights, points }) => {
        const count = (points[0] as Float64Array).length;
        const got = mixtureLogDensity(kernels, logWeights, points, count);
        for (let c = 0; c < count; c++) {
          const want = reference(kernels, logWeights, points.map((p) => p[c] as number));
          expect(Math.abs((got[c] as number) - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the full sum when all components but one are far from the point', () => {
    const { kernels, logWeights, points } = makeCase([0, 0, 1], [[0.5, 0.5, 0.5], ...Array.from({ length: 400 }, (_, i) => [0.9, (i % 20) / 50, 0.95])], Array(401).fill(1), [[0.5, 0.5, 0.5]]);
    const got = mixtureLogDensity(kernels, logWeights, points, 1)[0] as number;
    expect(got).toBeCloseTo(reference(kernels, logWeights, [points[0]?.[0] as number, points[1]?.[0] as number, points[2]?.[0] as number]), 12);
  });
});
