import { SpaceError } from '../errors.js';
import type { Distribution } from '../space/distributions.js';
import { incompatibility } from '../space/distributions.js';
import type { StudyRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';

/**
 * Refuse, before any trial runs or the stored configuration changes, a space file that gives
 * a parameter a distribution the study's earlier trials cannot share (another kind, log
 * flag or choice list): every new trial would fail on it, one by one, against the budget.
 * Moved bounds pass, as within any study. `place(name)` says where the file declares it.
 */
export async function checkSpaceAgainstTrials(storage: Storage, study: StudyRecord, params: readonly { readonly name: string; readonly distribution: Distribution }[], place: (name: string) => string): Promise<void> {
  const { trials } = await storage.trialsSince(study.id, { lastTrialId: 0, openTrialIds: [] });
  const last = new Map<string, Distribution>();
  for (const trial of trials) for (const [name, distribution] of Object.entries(trial.distributions)) last.set(name, distribution);
  for (const { name, distribution } of params) {
    const earlier = last.get(name);
    const why = earlier === undefined ? undefined : incompatibility(name, earlier, distribution);
    if (why !== undefined) throw new SpaceError(`${place(name)}: ${why.what} (study ${study.name}'s earlier trials hold it so); rename the parameter, or run the file as another study (--study NAME)`);
  }
}
