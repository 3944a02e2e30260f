/**
 * The configurations a study has tried, for TPE's duplicate avoidance in all-discrete
 * spaces: keyed by model cell, and what repeats of a configuration have shown about
 * whether the objective is deterministic.
 */
import type { Distribution } from '../../space/distributions.js';
import type { FrozenTrial } from '../../storage/records.js';
import type { StudyView } from '../../policies/policies.js';
import type { Domain } from './domain.js';

export function isDiscrete(dist: Distribution): boolean {
  return dist.kind === 'categorical' || dist.kind === 'int' || dist.step !== null;
}

/** The configurations tried so far, keyed by model cell (an off-grid value counts as its cell). */
export interface Configurations {
  readonly keys: ReadonlySet<string>;
  keyOf(internal: readonly number[]): string;
}

/** Repeats that gave the value their configuration gave before, needed to take the objective for deterministic (one could be chance). */
const SAME_REPEATS_NEEDED = 2;

/**
 * Every trial's configuration of `names` but the asking trial's (finished, running or
 * waiting; failed ones may be retried), and what repeats of a completed configuration have
 * shown: too few yet, the same value as before SAME_REPEATS_NEEDED times, or a different
 * value at least once (noise; this wins). Non-finite values are no evidence.
 */
export function configurationsTried(study: StudyView, current: FrozenTrial, names: readonly string[], domains: readonly Domain[]): Configurations & { repeats: 'none' | 'same' | 'different' } {
  const cells = domains.map((domain) => (domain.kind === 'numeric' && domain.grid !== null ? domain.grid : null));
  const keyOf = (internal: readonly number[]): string => internal.map((v, d) => cells[d]?.cellOf(v) ?? v).join(',');
  const keys = new Set<string>();
  const valueOf = new Map<string, number>();
  let sameRepeats = 0;
  let different = false;
  const values = new Array<number>(names.length);
  for (const trial of study.getTrials()) {
    if (trial.number === current.number || trial.state === 'FAIL') continue;
    let complete = true;
    for (let d = 0; d < names.length; d++) {
      const v = trial.internalParams[names[d] as string];
      if (v === undefined) {
        complete = false;
        break;
      }
      values[d] = v;
    }
    if (!complete) continue;
    const key = keyOf(values);
    keys.add(key);
    const value = trial.state === 'COMPLETE' ? trial.values?.[0] : undefined;
    if (value === undefined || !Number.isFinite(value) || different) continue;
    const before = valueOf.get(key);
    if (before === undefined) valueOf.set(key, value);
    else if (before !== value) different = true;
    else sameRepeats++;
  }
  const repeats = different ? 'different' : sameRepeats >= SAME_REPEATS_NEEDED ? 'same' : 'none';
  return { keys, keyOf, repeats };
}

