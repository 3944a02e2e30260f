import { isMainThread } from 'node:worker_threads';
import { errorMessage, isSodateError } from '../errors.js';
import type { SlotObjective } from '../study/optimize.js';
import type { BuiltinStudy, ObjectiveRef } from './task.js';
import { builtinManifest, builtinNotInstalled } from './builtins.js';
import { loadFailureReason } from './load-failure.js';
import { ObjectiveLoadError, loadModuleObjective } from './module-objective.js';

/** Load what a slot runs. Errors are ObjectiveLoadError with one line that names the fix. */
export async function loadObjectiveRef(ref: ObjectiveRef): Promise<SlotObjective> {
  if (ref.kind === 'module') return loadModuleObjective(ref.path, ref.exportName);
  const manifest = builtinManifest(ref.name);
  if (manifest === undefined) throw builtinNotInstalled(ref.name);
  let module: Record<string, unknown>;
  try {
    module = await importBuiltin(manifest.specifier);
  } catch (error) {
    throw new ObjectiveLoadError(`the built-in objective "${ref.name}" (${manifest.package}) failed to load: ${loadFailureReason(error, undefined)}`);
  }
  const factory = module[manifest.factory];
  if (typeof factory !== 'function') throw new ObjectiveLoadError(`${manifest.package} has no exported function "${manifest.factory}"; reinstall it`);
  try {
    const objective = await (factory as (options: Readonly<Record<string, unknown>>, study?: BuiltinStudy) => SlotObjective | Promise<SlotObjective>)(ref.options, ref.study);
    if (typeof objective !== 'function') throw new ObjectiveLoadError(`the built-in objective "${ref.name}" did not give a function`);
    return objective;
  } catch (error) {
    if (isSodateError(error)) throw error;
    throw new ObjectiveLoadError(`the built-in objective "${ref.name}" rejected its options: ${errorMessage(error)}`);
  }
}

/**
 * import() of a built-in's package. A worker thread started from the sources runs sodate
 * through tsx's require hook, whose import() cannot compile the package's TypeScript (the
 * sodate-sources condition points there): tsx's own API can, as for a module objective.
 */
async function importBuiltin(specifier: string): Promise<Record<string, unknown>> {
  if (isMainThread || !import.meta.url.endsWith('.ts')) return (await import(specifier)) as Record<string, unknown>;
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(specifier, import.meta.url)) as Record<string, unknown>;
}

/** A cache of loaded objectives, one per slot (a thread or a child process loads each once). */
export function objectiveCache(): (ref: ObjectiveRef) => Promise<SlotObjective> {
  const loaded = new Map<string, Promise<SlotObjective>>();
  return (ref) => {
    const key = JSON.stringify(ref);
    let objective = loaded.get(key);
    if (objective === undefined) {
      objective = loadObjectiveRef(ref);
      loaded.set(key, objective);
      objective.catch(() => loaded.delete(key));
    }
    return objective;
  };
}
