/** log(e^a + e^b) without overflow; -Infinity is the log of zero. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = a > b ? a : b;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** log Σ e^{x_i} over `values[start … start+length)`; -Infinity for an empty range. */
export function logSumExp(values: ArrayLike<number>, start = 0, length = values.length - start): number {
  let max = -Infinity;
  for (let i = start; i < start + length; i++) {
    const v = values[i] as number;
    if (v > max) max = v;
  }
  if (max === -Infinity || max === Infinity) return max;
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += Math.exp((values[i] as number) - max);
  return max + Math.log(sum);
}
