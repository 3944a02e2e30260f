/**
 * Group decomposition of a define-by-run search space: parameters that always appear
 * together in finished trials form a group, sampled jointly; a conditional parameter
 * (present only for some parent value) ends up in its own group with its siblings.
 * Refined one trial at a time: each trial's parameter set splits every group it cuts.
 */
import type { Distribution } from '../../space/distributions.js';
import type { FrozenTrial } from '../../storage/records.js';
import { FinishedPrefix } from './finished-prefix.js';

export class SearchSpaceGroups {
  private groups: string[][] = [];
  private readonly seen = new Set<number>();
  private readonly folded = new FinishedPrefix();
  /** The latest distribution seen for each parameter. */
  private readonly distributions = new Map<string, Distribution>();

  /** Fold in the finished trials not seen yet (finished trials never change). */
  update(trials: readonly FrozenTrial[]): void {
    for (let t = this.folded.start(trials); t < trials.length; t++) {
      const trial = trials[t] as FrozenTrial;
      if ((trial.state !== 'COMPLETE' && trial.state !== 'PRUNED') || this.seen.has(trial.id)) continue;
      this.seen.add(trial.id);
      this.add(trial.distributions);
    }
    this.folded.advance(trials);
  }

  /** Each group as parameter name → its latest distribution, names sorted within a group. */
  current(): Record<string, Distribution>[] {
    return this.groups.map((names) => Object.fromEntries(names.map((n) => [n, this.distributions.get(n) as Distribution])));
  }

  private add(dists: Readonly<Record<string, Distribution>>): void {
    const names = Object.keys(dists);
    for (const name of names) this.distributions.set(name, dists[name] as Distribution);
    const remaining = new Set(names);
    const next: string[][] = [];
    for (const group of this.groups) {
      const inside = group.filter((n) => remaining.has(n));
      const outside = group.filter((n) => !remaining.has(n));
      if (inside.length > 0) next.push(inside);
      if (outside.length > 0) next.push(outside);
      for (const n of inside) remaining.delete(n);
    }
    if (remaining.size > 0) next.push([...remaining].sort());
    this.groups = next;
  }
}
