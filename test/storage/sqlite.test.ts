import { join } from 'node:path';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { describeStorageConformance } from './conformance.js';
import { tempDir } from './helpers.js';

describeStorageConformance('SqliteStorage', async () => {
  const temp = await tempDir();
  const file = join(temp.dir, 'nested', 'study.db');
  const storage = SqliteStorage.open(file);
  const others: SqliteStorage[] = [];
  return {
    storage,
    async openAnother() {
      const other = SqliteStorage.open(file);
      others.push(other);
      return other;
    },
    async cleanup() {
      for (const other of others) await other.close();
      await storage.close();
      await temp.remove();
    },
  };
});
