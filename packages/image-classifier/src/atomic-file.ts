import { renameSync, writeFileSync } from 'node:fs';

/** Write a file whole or not at all: a reader (a resumed run, `sodate artifacts`) never sees half of it. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const partial = `${path}.partial`;
  writeFileSync(partial, data);
  renameSync(partial, path);
}
