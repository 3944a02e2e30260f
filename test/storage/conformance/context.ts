import fc from 'fast-check';
import type { JsonValue } from '../../../src/json.js';
import type { FrozenTrial, StudyRecord } from '../../../src/storage/records.js';
import type { NewTrial, Storage } from '../../../src/storage/storage.js';

/** What every part of the conformance suite gets: the current test's storage, and helpers. */
export interface ConformanceContext {
  /** The fresh storage of the running test. */
  readonly storage: Storage;
  newStudy(name?: string, direction?: 'minimize' | 'maximize'): Promise<StudyRecord>;
  /** A new trial; fails the test if the storage refuses it. */
  newTrial(studyId: number, template?: NewTrial): Promise<FrozenTrial>;
  /** A new trial, completed with one value. */
  completed(studyId: number, value: number): Promise<FrozenTrial>;
  /** Another handle on the same store (another connection or file handle); the same one for an in-process store. */
  another(): Promise<Storage>;
}

export function conformanceContext(current: () => Storage, another: () => Promise<Storage> = async () => current()): ConformanceContext {
  const ctx: ConformanceContext = {
    get storage() {
      return current();
    },
    another,
    newStudy: (name = 'study', direction = 'minimize') => current().createStudy({ name, direction }),
    async newTrial(studyId, template) {
      const trial = await current().createTrial(studyId, template);
      if (trial === null) throw new Error('createTrial unexpectedly refused');
      return trial;
    },
    async completed(studyId, value) {
      const trial = await ctx.newTrial(studyId);
      await current().finishTrial(trial.id, 'COMPLETE', [value]);
      return trial;
    },
  };
  return ctx;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plain JSON: what a value reads back as after JSON.stringify/parse (no -0, no undefined). */
export const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
/** Any double a storage must keep exactly: NaN and ±Infinity included; -0 reads back as 0. */
export const storedDouble = fc.double().map((v) => (Object.is(v, -0) ? 0 : v));
