import { expect } from 'vitest';

/**
 * Each coordinate of `gradient` (of `f` at `point`) matches the central difference with step
 * `h`, to `tolerance` relative to the difference (absolute below 1).
 */
export function expectGradientMatchesDifferences(f: (point: Float64Array) => number, gradient: ArrayLike<number>, point: Float64Array, options: { h: number; tolerance: number }): void {
  for (let j = 0; j < point.length; j++) {
    const up = Float64Array.from(point);
    const down = Float64Array.from(point);
    up[j] = (up[j] as number) + options.h;
    down[j] = (down[j] as number) - options.h;
    const numeric = (f(up) - f(down)) / (2 * options.h);
    expect(Math.abs((gradient[j] as number) - numeric)).toBeLessThan(options.tolerance * Math.max(1, Math.abs(numeric)));
  }
}
