import type { FrozenTrial } from '../../storage/records.js';
import type { Encoding } from './encoding.js';
import { encodeParams } from './encoding.js';
import { warpOutputs } from './output-warp.js';

/** Values (maximisation sense) made finite: ±Infinity become the worst/best finite value. */
export function finiteValues(raw: readonly number[]): number[] {
  const finite = raw.filter(Number.isFinite);
  let lo = 0;
  let hi = 0;
  if (finite.length > 0) {
    lo = Infinity;
    hi = -Infinity;
    for (const v of finite) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return raw.map((v) => (v === Infinity ? hi : v === -Infinity ? lo : v));
}

/** Values in the maximisation sense as GP targets: Yeo–Johnson warped and standardised, or only standardised. */
export function fitTargets(values: readonly number[], warp: boolean): Float64Array {
  if (warp) {
    // Warp in the minimisation sense, where the long tail is the bad one, then flip back.
    return warpOutputs(values.map((v) => -v)).map((v) => -v);
  }
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return Float64Array.from(values, (v) => (v - mean) / Math.max(sd, 1e-12));
}

/** The trials whose parameters `encoding` can hold, with their rows, in order. */
export function encodableTrials(encoding: Encoding, trials: readonly FrozenTrial[]): { rows: Float64Array[]; trials: FrozenTrial[] } {
  const rows: Float64Array[] = [];
  const kept: FrozenTrial[] = [];
  for (const t of trials) {
    const row = new Float64Array(encoding.d);
    if (!encodeParams(encoding, t.internalParams, row)) continue;
    rows.push(row);
    kept.push(t);
  }
  return { rows, trials: kept };
}

/** The trials whose parameters `encoding` can hold: their rows, first objective (times `sign`) and ids. */
export function encodedTrials(encoding: Encoding, trials: readonly FrozenTrial[], sign: number): { rows: Float64Array[]; raw: number[]; ids: number[] } {
  const { rows, trials: kept } = encodableTrials(encoding, trials);
  return { rows, raw: kept.map((t) => sign * (t.values?.[0] as number)), ids: kept.map((t) => t.id) };
}
