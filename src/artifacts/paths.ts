import { dirname, join, resolve } from 'node:path';
import { sqlitePath } from '../storage/url.js';

/** Where trial directories go by default: an `artifacts/` folder next to the SQLite file, else `studies/artifacts`. */
export function defaultArtifactDir(storageUrl: string, cwd: string): string {
  const file = sqlitePath(storageUrl);
  if (file === undefined || file === ':memory:') return resolve(cwd, 'studies/artifacts');
  return join(dirname(resolve(cwd, file)), 'artifacts');
}

/** Where a run's trial directories go: `--artifact-dir`, else the space file's `artifacts.dir`, else the default above. */
export function artifactRoot(flag: string | undefined, fileDir: string | undefined, storageUrl: string, cwd: string): string {
  return flag ?? fileDir ?? defaultArtifactDir(storageUrl, cwd);
}

/** `<root>/<study>/<number>`. */
export function trialArtifactPath(root: string, study: string, number: number): string {
  return join(resolve(root), study, String(number));
}
