/**
 * Parameter values of finished trials as columns: one Float64Array per parameter, indexed
 * by trial number, NaN where a trial lacks the parameter. Finished trials never change,
 * so each is read once; an ask then gathers values with typed-array loads instead of
 * one property lookup per trial and parameter.
 */
import type { FrozenTrial } from '../../storage/records.js';
import { FinishedPrefix } from './finished-prefix.js';
import type { WorkArrays } from './work-arrays.js';

export class ParamColumns {
  private readonly columns = new Map<string, Float64Array>();
  /** Per parameter, the numbers of the finished trials that have it, in increasing order of value. */
  private readonly sorted = new Map<string, number[]>();
  private readonly ingested = new Set<number>();
  private readonly folded = new FinishedPrefix();
  private capacity = 64;
  /** Work array of `orderOf`, indexed by trial number; -1 everywhere between calls. */
  private slots = new Int32Array(0);
  /** Numbers of the finished trials in the order they were read. */
  readonly log: number[] = [];

  /** Read the finished trials not seen yet. */
  update(trials: readonly FrozenTrial[]): void {
    for (let t = this.folded.start(trials); t < trials.length; t++) {
      const trial = trials[t] as FrozenTrial;
      if (trial.state !== 'COMPLETE' && trial.state !== 'PRUNED') continue;
      if (this.ingested.has(trial.id)) continue;
      this.ingested.add(trial.id);
      this.log.push(trial.number);
      if (trial.number >= this.capacity) this.grow(trial.number + 1);
      for (const name in trial.internalParams) {
        const value = trial.internalParams[name] as number;
        const column = this.column(name);
        column[trial.number] = value;
        this.insertSorted(name, column, trial.number, value);
      }
    }
    this.folded.advance(trials);
  }

  /** The value of `name` in a trial: from the columns when it is finished, else from the trial. */
  value(trial: FrozenTrial, name: string): number {
    if (trial.state === 'COMPLETE' || trial.state === 'PRUNED') {
      const column = this.columns.get(name);
      return column === undefined ? NaN : (column[trial.number] as number);
    }
    return trial.internalParams[name] ?? NaN;
  }

  /** The column of `name`, indexed by trial number (NaN where absent); undefined if never seen. */
  raw(name: string): Float64Array | undefined {
    return this.columns.get(name);
  }

  /** Values of `name` for `trials` (finished ones must have been `update`d), NaN where absent. */
  gather(trials: readonly FrozenTrial[], name: string): Float64Array {
    const out = new Float64Array(trials.length);
    const column = this.columns.get(name);
    for (let t = 0; t < trials.length; t++) {
      const trial = trials[t] as FrozenTrial;
      if (trial.state === 'COMPLETE' || trial.state === 'PRUNED') out[t] = column === undefined ? NaN : (column[trial.number] as number);
      else out[t] = trial.internalParams[name] ?? NaN;
    }
    return out;
  }

  /**
   * As `gather`, with `finished[t]` the number of `trials[t]` when it is finished and -1
   * otherwise (computed once for several parameters).
   */
  gatherRows(trials: readonly FrozenTrial[], finished: Int32Array, name: string): Float64Array {
    const out = new Float64Array(trials.length);
    const column = this.columns.get(name);
    for (let t = 0; t < trials.length; t++) {
      const number = finished[t] as number;
      if (number >= 0) out[t] = column === undefined ? NaN : (column[number] as number);
      else out[t] = (trials[t] as FrozenTrial).internalParams[name] ?? NaN;
    }
    return out;
  }

  /**
   * Order by value of the rows `numbers[0 … split)`, and of the rows `numbers[split … rows)`
   * (trial numbers, each finished or running), as indices into each range: one walk over
   * the maintained sorted list, no sort.
   */
  ordersOf(name: string, numbers: Int32Array, values: Float64Array, split: number, rows: number, maxNumber: number, work: WorkArrays): [Int32Array, Int32Array] {
    if (this.slots.length <= maxNumber) this.slots = new Int32Array(Math.max(maxNumber + 1, 2 * this.slots.length)).fill(-1);
    // All -1 between calls: each call clears the slots it set.
    const slot = this.slots;
    for (let r = 0; r < rows; r++) slot[numbers[r] as number] = r;
    const low = work.int32(split);
    const high = work.int32(rows - split);
    let kLow = 0;
    let kHigh = 0;
    for (const number of this.sorted.get(name) ?? []) {
      if (number > maxNumber) continue;
      const r = slot[number] as number;
      if (r < 0) continue;
      slot[number] = -1;
      if (r < split) low[kLow++] = r;
      else high[kHigh++] = r - split;
    }
    // Rows not in the sorted list (running trials): insert each by value.
    for (let r = 0; kLow + kHigh < rows; r++) {
      if (slot[numbers[r] as number] === -1) continue;
      slot[numbers[r] as number] = -1;
      if (r < split) kLow = insertByValue(low, kLow, values, 0, r);
      else kHigh = insertByValue(high, kHigh, values, split, r);
    }
    return [low, high];
  }

  private insertSorted(name: string, column: Float64Array, number: number, value: number): void {
    let list = this.sorted.get(name);
    if (list === undefined) {
      list = [];
      this.sorted.set(name, list);
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((column[list[mid] as number] as number) <= value) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, number);
  }

  private column(name: string): Float64Array {
    let column = this.columns.get(name);
    if (column === undefined) {
      column = new Float64Array(this.capacity).fill(NaN);
      this.columns.set(name, column);
    }
    return column;
  }

  private grow(size: number): void {
    const capacity = Math.max(size, 2 * this.capacity);
    for (const [name, old] of this.columns) {
      const column = new Float64Array(capacity).fill(NaN);
      column.set(old);
      this.columns.set(name, column);
    }
    this.capacity = capacity;
  }
}

/** Insert row `r` into `order[0 … k)` (indices of rows from `from`, increasing in value); returns the new length. */
function insertByValue(order: Int32Array, k: number, values: Float64Array, from: number, r: number): number {
  const v = values[r] as number;
  let j = k - 1;
  while (j >= 0 && (values[from + (order[j] as number)] as number) > v) {
    order[j + 1] = order[j] as number;
    j--;
  }
  order[j + 1] = r - from;
  return k + 1;
}
