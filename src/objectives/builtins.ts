import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ObjectiveLoadError } from './module-objective.js';

/**
 * Built-in objectives, each a package of its own so that a user of the tuning library never
 * installs a trainer's framework. A new built-in is one entry here and one package in
 * packages/ whose package.json declares it under "sodate" (see BuiltinManifest).
 */
export const BUILTIN_OBJECTIVES: Readonly<Record<string, { readonly package: string }>> = {
  'image-classifier': { package: '@sodate/image-classifier' },
};

/** What a built-in's package.json declares under "sodate": read in the loop, without loading the trainer. */
export interface BuiltinManifest {
  /** The package, e.g. `@sodate/image-classifier`. */
  readonly package: string;
  /** What `import()` loads in a slot: the package's name, or its entry's file URL when found only from the working directory. */
  readonly specifier: string;
  /** Its export `(options, study) => Objective`. */
  readonly factory: string;
  /** What it can report as an objective or a constraint value: a space file naming anything else is refused. */
  readonly measures: readonly string[];
}

/**
 * Where a built-in's package is looked for: beside sodate (a clone's workspace, or both
 * installed in one project), then in the working directory's project (sodate installed
 * globally, the trainer in the project).
 */
function findPackageJson(pkg: string): { path: string; fromCore: boolean } | undefined {
  const bases = [import.meta.url, pathToFileURL(join(process.cwd(), 'package.json')).href];
  for (const [i, base] of bases.entries()) {
    try {
      return { path: createRequire(base).resolve(`${pkg}/package.json`), fromCore: i === 0 };
    } catch {
      // not installed there
    }
  }
  return undefined;
}

const manifests = new Map<string, BuiltinManifest | undefined>();

/**
 * The manifest of the built-in `name`; undefined when its package is not installed.
 * Throws ObjectiveLoadError for a name that is no built-in, or a package without a manifest.
 */
export function builtinManifest(name: string): BuiltinManifest | undefined {
  const entry = Object.hasOwn(BUILTIN_OBJECTIVES, name) ? BUILTIN_OBJECTIVES[name] : undefined;
  if (entry === undefined) throw new ObjectiveLoadError(`unknown built-in objective "${name}"; known: ${Object.keys(BUILTIN_OBJECTIVES).join(', ')}`);
  if (manifests.has(name)) return manifests.get(name);
  const found = findPackageJson(entry.package);
  const manifest = found === undefined ? undefined : readManifest(name, entry.package, found.path, found.fromCore);
  manifests.set(name, manifest);
  return manifest;
}

function readManifest(name: string, pkg: string, path: string, fromCore: boolean): BuiltinManifest {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { sodate?: { builtin?: unknown; factory?: unknown; measures?: unknown } };
  const declared = json.sodate;
  const measures = declared?.measures;
  if (declared?.builtin !== name || typeof declared.factory !== 'string' || !Array.isArray(measures) || !measures.every((m) => typeof m === 'string')) {
    throw new ObjectiveLoadError(`${path} does not declare the built-in objective "${name}" ("sodate": { builtin, factory, measures }); reinstall ${pkg}`);
  }
  // From sodate's own folder the name resolves in every slot (and to the sources under tsx); from elsewhere only the file does.
  const specifier = fromCore ? pkg : pathToFileURL(createRequire(path).resolve(dirname(path))).href;
  return { package: pkg, specifier, factory: declared.factory, measures };
}

/** The one line a study gets when a built-in's package is missing: what to install. */
export function builtinNotInstalled(name: string): ObjectiveLoadError {
  const pkg = (Object.hasOwn(BUILTIN_OBJECTIVES, name) ? BUILTIN_OBJECTIVES[name]?.package : undefined) ?? name;
  return new ObjectiveLoadError(`the built-in objective "${name}" comes in its own package, which is not installed: npm install ${pkg}`);
}
