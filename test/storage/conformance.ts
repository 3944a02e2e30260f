import { afterEach, beforeEach, describe } from 'vitest';
import type { Storage } from '../../src/storage/storage.js';
import { conformanceContext } from './conformance/context.js';
import { readConformance } from './conformance/reads.js';
import { studyConformance } from './conformance/studies.js';
import { trialConformance } from './conformance/trials.js';
import { valueConformance } from './conformance/values.js';

export interface StorageFixture {
  readonly storage: Storage;
  /** A second handle on the same store (another connection), closed by `cleanup`; absent: the store has one handle. */
  openAnother?(): Promise<Storage>;
  /** Close the storage and remove whatever it left behind. */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every Storage must share, as a vitest suite: studies, trials (numbering,
 * enqueued trials, budgets), what a trial records, heartbeats, incremental reads and
 * counts. Each test gets a fresh, empty storage from `makeStorage`; `cleanup` runs after it.
 */
export function describeStorageConformance(name: string, makeStorage: () => Promise<StorageFixture>): void {
  describe(`Storage conformance: ${name}`, () => {
    let fixture: StorageFixture | undefined;
    beforeEach(async () => {
      fixture = await makeStorage();
    });
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });
    const current = (): StorageFixture => {
      if (fixture === undefined) throw new Error('the storage is only available inside a test');
      return fixture;
    };
    const ctx = conformanceContext(
      () => current().storage,
      async () => (await current().openAnother?.()) ?? current().storage,
    );
    studyConformance(ctx);
    trialConformance(ctx);
    valueConformance(ctx);
    readConformance(ctx);
  });
}
