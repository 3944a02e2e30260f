import type { Pruner } from '../study/policies.js';

/** Never prunes: every trial runs to the end. */
export class NopPruner implements Pruner {
  prune(): boolean {
    return false;
  }
}
