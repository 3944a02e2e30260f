import type { Direction, FrozenTrial } from '../../storage/records.js';
import type { StudyView } from '../../policies/policies.js';
import type { Individual } from './population.js';
import { isSelectable, toIndividual } from './population.js';

/** The system attribute holding a trial's generation (shared by NSGA-II and NSGA-III). */
export const GENERATION_KEY = 'nsga:generation';

/** Survival: the parents of a generation, chosen from the candidates (in trial-number order). */
export type SelectParents = (candidates: readonly Individual[], generation: number) => Individual[];

interface ParentEntry {
  /** Fingerprint of the previous generation's COMPLETE members the parents were chosen from. */
  readonly members: string;
  /** `stamp` of the previous generation's parents they were chosen with (0 for generation 1). */
  readonly previous: number;
  readonly stamp: number;
  readonly parents: readonly Individual[];
}

/**
 * Generations of one study, derived from its history as in Optuna: each trial carries its
 * generation in a system attribute, written when it is asked. A trial joins the newest
 * generation unless that one already holds `populationSize` trials (COMPLETE or RUNNING:
 * parallel workers fill a generation, they do not overfill it), else it starts the next.
 *
 * The parents of generation g are a function of the history: survival over generation
 * g−1's COMPLETE members and generation g−1's own parents. Nothing but the generation
 * numbers is stored, so every process computes the same parents from the same history;
 * here they are cached per generation and recomputed only when a late member of the
 * generation before completes.
 */
export class Generations {
  private readonly assigned = new Map<number, number>();
  private readonly individuals = new Map<number, Individual>();
  private readonly cache = new Map<number, ParentEntry>();
  private stamps = 0;

  constructor(
    private readonly populationSize: number,
    private readonly directions: readonly Direction[],
    private readonly select: SelectParents,
  ) {}

  /** The trial's generation, as stored or as assigned by this process; undefined if it has none. */
  generationOf(trial: FrozenTrial): number | undefined {
    const stored = trial.systemAttrs[GENERATION_KEY];
    if (typeof stored === 'number' && Number.isInteger(stored) && stored >= 0) return stored;
    return this.assigned.get(trial.number);
  }

  /** The generation of the trial being asked: assigned (and stored) on first sight, the same thereafter. */
  assign(study: StudyView, trial: FrozenTrial): number {
    const known = this.generationOf(trial);
    if (known !== undefined) return known;
    let newest = 0;
    let count = 0;
    for (const t of study.getTrials()) {
      if (t.number === trial.number || (t.state !== 'COMPLETE' && t.state !== 'RUNNING')) continue;
      const g = this.generationOf(t);
      if (g === undefined || g < newest) continue;
      if (g > newest) {
        newest = g;
        count = 0;
      }
      count++;
    }
    const generation = count < this.populationSize ? newest : newest + 1;
    this.assigned.set(trial.number, generation);
    study.setTrialSystemAttr(trial.id, GENERATION_KEY, generation);
    return generation;
  }

  /** The parent population of `generation` (empty for generation 0, or when no earlier trial completed). */
  parents(study: StudyView, generation: number): readonly Individual[] {
    if (generation <= 0) return [];
    const objectives = this.directions.length;
    // One pass for a fingerprint of each earlier generation's COMPLETE members: the count
    // and the sum of their numbers (members only ever join, since finished trials are final).
    const counts = new Map<number, { n: number; sum: number }>();
    for (const t of study.getTrials(['COMPLETE'])) {
      const g = this.generationOf(t);
      if (g === undefined || g >= generation || !isSelectable(t, objectives)) continue;
      const c = counts.get(g);
      if (c === undefined) counts.set(g, { n: 1, sum: t.number });
      else {
        c.n++;
        c.sum += t.number;
      }
    }
    let previous: ParentEntry | undefined;
    for (let g = 1; g <= generation; g++) {
      const c = counts.get(g - 1);
      const members = c === undefined ? '0' : `${c.n}:${c.sum}`;
      const previousStamp = previous?.stamp ?? 0;
      let entry = this.cache.get(g);
      if (entry === undefined || entry.members !== members || entry.previous !== previousStamp) {
        const candidates = this.candidates(study, g - 1, previous?.parents ?? []);
        entry = { members, previous: previousStamp, stamp: ++this.stamps, parents: candidates.length === 0 ? [] : this.select(candidates, g) };
        this.cache.set(g, entry);
      }
      previous = entry;
    }
    return previous?.parents ?? [];
  }

  /** Generation g's COMPLETE members and g's parents, once each, in trial-number order. */
  private candidates(study: StudyView, g: number, previousParents: readonly Individual[]): Individual[] {
    const objectives = this.directions.length;
    const byNumber = new Map<number, Individual>();
    for (const p of previousParents) byNumber.set(p.trial.number, p);
    for (const t of study.getTrials(['COMPLETE'])) {
      if (this.generationOf(t) !== g || !isSelectable(t, objectives)) continue;
      let individual = this.individuals.get(t.number);
      if (individual === undefined || individual.trial !== t) {
        individual = toIndividual(t, this.directions);
        this.individuals.set(t.number, individual);
      }
      byNumber.set(t.number, individual);
    }
    return [...byNumber.values()].sort((a, b) => a.trial.number - b.trial.number);
  }
}
