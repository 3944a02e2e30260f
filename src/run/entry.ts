import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** True when sodate runs from its TypeScript sources (tests, benchmarks) rather than dist/. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** A sibling module of src/run (the thread worker, the process child), .ts or .js as this build is. */
export function runModulePath(name: string): string {
  return fileURLToPath(new URL(`./${name}${FROM_SOURCES ? '.ts' : '.js'}`, import.meta.url));
}

/**
 * The export condition under which `sodate` and the built-in objective packages resolve to
 * their TypeScript sources (package.json "exports"): a slot started from the sources loads a
 * built-in's sources too, and both share one copy of sodate's error classes.
 */
export const SOURCES_CONDITION = 'sodate-sources';

/** Node flags a worker thread or child needs to load that module: tsx's loader and the sources' condition when running from sources. */
export function entryExecArgv(): string[] {
  if (!FROM_SOURCES) return [];
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return ['--import', pathToFileURL(join(tsxDir, 'dist/loader.mjs')).href, `--conditions=${SOURCES_CONDITION}`];
}
