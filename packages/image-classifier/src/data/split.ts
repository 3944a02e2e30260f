import { Rng } from '../rng.js';
import { DataError } from './errors.js';

export interface Split {
  train: Int32Array;
  validation: Int32Array;
}

function byClass(labels: Int32Array, rng: Rng): Int32Array[] {
  const groups = new Map<number, number[]>();
  labels.forEach((label, i) => {
    let g = groups.get(label);
    if (g === undefined) groups.set(label, (g = []));
    g.push(i);
  });
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .map((k) => {
      const idx = Int32Array.from(groups.get(k) as number[]);
      rng.shuffle(idx);
      return idx;
    });
}

/** A stratified, seeded holdout: each class keeps ≈ valFraction of its samples for validation. */
export function stratifiedHoldout(labels: Int32Array, valFraction: number, seed: number): Split {
  if (!(valFraction > 0 && valFraction < 1)) throw new DataError(`valFraction must be within (0, 1), got ${valFraction}`);
  const rng = new Rng(seed);
  const train: number[] = [];
  const validation: number[] = [];
  for (const idx of byClass(labels, rng)) {
    const nVal = idx.length < 2 ? 0 : Math.min(idx.length - 1, Math.max(1, Math.round(idx.length * valFraction)));
    idx.forEach((v, i) => (i < nVal ? validation : train).push(v));
  }
  return { train: sorted(train), validation: sorted(validation) };
}

/** Stratified, seeded K folds: every sample is validated exactly once. */
export function stratifiedKFold(labels: Int32Array, folds: number, seed: number): Split[] {
  if (!Number.isInteger(folds) || folds < 2) throw new DataError(`folds must be an integer ≥ 2, got ${folds}`);
  const rng = new Rng(seed);
  const assignment = new Int32Array(labels.length);
  let offset = 0;
  for (const idx of byClass(labels, rng)) {
    // Continue the round-robin across classes so that fold sizes stay balanced.
    idx.forEach((v, i) => (assignment[v] = (offset + i) % folds));
    offset += idx.length;
  }
  const out: Split[] = [];
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const validation: number[] = [];
    assignment.forEach((a, i) => (a === f ? validation : train).push(i));
    out.push({ train: sorted(train), validation: sorted(validation) });
  }
  return out;
}

function sorted(values: number[]): Int32Array {
  return Int32Array.from(values).sort();
}
