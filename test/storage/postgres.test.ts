import { afterAll, beforeAll, describe } from 'vitest';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { describeStorageConformance } from './conformance.js';
import type { ScratchDatabase } from './postgres/pg-helpers.js';
import { postgresMissing, scratchDatabase } from './postgres/pg-helpers.js';

const missing = await postgresMissing();
if (missing !== null) console.warn(`skipping the PostgreSQL conformance suite: ${missing}`);

describe.skipIf(missing !== null)('PostgresStorage', () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await scratchDatabase();
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
  }, 60_000);

  // One database for the file; each test starts from empty tables.
  describeStorageConformance('PostgresStorage', async () => {
    await db.truncate();
    const storage = await PostgresStorage.open(db.url);
    const others: PostgresStorage[] = [];
    return {
      storage,
      async openAnother() {
        const other = await PostgresStorage.open(db.url);
        others.push(other);
        return other;
      },
      async cleanup() {
        for (const other of others) await other.close();
        await storage.close();
      },
    };
  });
});
