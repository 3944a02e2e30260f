/**
 * Parameter values of finished trials as columns: one Float64Array per parameter, indexed
 * by trial number, NaN where a trial lacks the parameter. Finished trials never change,
 * so each is read once; an ask then gathers values with typed-array loads instead of
 * one property lookup per trial and parameter.
 */
import type { FrozenTrial } from '../../storage/records.js';

export class ParamColumns {
  private readonly columns = new Map<string, Float64Array>();
  private readonly ingested = new Set<number>();
  private capacity = 64;

  /** Read the finished trials not seen yet. */
  update(trials: readonly FrozenTrial[]): void {
    for (const trial of trials) {
      if (trial.state !== 'COMPLETE' && trial.state !== 'PRUNED') continue;
      if (this.ingested.has(trial.id)) continue;
      this.ingested.add(trial.id);
      if (trial.number >= this.capacity) this.grow(trial.number + 1);
      for (const name in trial.internalParams) this.column(name)[trial.number] = trial.internalParams[name] as number;
    }
  }

  /** The value of `name` in a trial: from the columns when it is finished, else from the trial. */
  value(trial: FrozenTrial, name: string): number {
    if (trial.state === 'COMPLETE' || trial.state === 'PRUNED') {
      const column = this.columns.get(name);
      return column === undefined ? NaN : (column[trial.number] as number);
    }
    return trial.internalParams[name] ?? NaN;
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
