import { InMemoryStorage } from '../../src/storage/memory.js';
import { describeStorageConformance } from './conformance.js';

describeStorageConformance('InMemoryStorage', async () => {
  const storage = new InMemoryStorage();
  return { storage, cleanup: () => storage.close() };
});
