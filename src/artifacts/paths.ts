import { dirname, join, resolve } from 'node:path';
import { sqlitePath } from '../storage/url.js';

/** Where trial directories go by default: an `artifacts/` folder next to the SQLite file, else `studies/artifacts`. */
export function defaultArtifactDir(storageUrl: string, cwd: string): string {
  const file = sqlitePath(storageUrl);
  if (file === undefined || file === ':memory:') return resolve(cwd, 'studies/artifacts');
  return join(dirname(resolve(cwd, file)), 'artifacts');
}

/** `<root>/<study>/<number>`. */
export function trialArtifactPath(root: string, study: string, number: number): string {
  return join(resolve(root), study, String(number));
}
