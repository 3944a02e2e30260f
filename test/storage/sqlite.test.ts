import { join } from 'node:path';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { describeStorageConformance } from './conformance.js';
import { tempDir } from './helpers.js';

describeStorageConformance('SqliteStorage', async () => {
  const temp = await tempDir();
  const storage = SqliteStorage.open(join(temp.dir, 'nested', 'study.db'));
  return {
    storage,
    async cleanup() {
      await storage.close();
      await temp.remove();
    },
  };
});
