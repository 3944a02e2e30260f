import type { Pruner } from '../policies/policies.js';

/** Never prunes: every trial runs to the end. */
export class NopPruner implements Pruner {
  readonly needsHistory = false;

  prune(): boolean {
    return false;
  }
}
