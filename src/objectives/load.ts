import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorMessage, isSodateError } from '../errors.js';
import type { SlotObjective } from '../study/optimize.js';
import type { BuiltinStudy, ObjectiveRef } from './task.js';
import { BUILTIN_OBJECTIVES } from './builtins.js';
import { ObjectiveLoadError, loadModuleObjective } from './module-objective.js';

export { BUILTIN_OBJECTIVES } from './builtins.js';

/** The file of a built-in objective's module, next to this one (.ts from sources, .js when built). */
export function builtinModulePath(name: string): string | undefined {
  const entry = BUILTIN_OBJECTIVES[name];
  if (entry === undefined) return undefined;
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`${entry.module}${ext}`, import.meta.url));
}

/** Load what a slot runs. Errors are ObjectiveLoadError with one line that names the fix. */
export async function loadObjectiveRef(ref: ObjectiveRef): Promise<SlotObjective> {
  if (ref.kind === 'module') return loadModuleObjective(ref.path, ref.exportName);
  const entry = BUILTIN_OBJECTIVES[ref.name];
  const path = builtinModulePath(ref.name);
  if (entry === undefined || path === undefined) {
    throw new ObjectiveLoadError(`unknown built-in objective "${ref.name}"; known: ${Object.keys(BUILTIN_OBJECTIVES).join(', ')}`);
  }
  if (!existsSync(path)) throw new ObjectiveLoadError(`the built-in objective "${ref.name}" is not available in this build of sodate (${path} is missing)`);
  const factory = await loadModuleObjective(path, entry.factory);
  try {
    const objective = await (factory as unknown as (options: Readonly<Record<string, unknown>>, study?: BuiltinStudy) => SlotObjective | Promise<SlotObjective>)(ref.options, ref.study);
    if (typeof objective !== 'function') throw new ObjectiveLoadError(`the built-in objective "${ref.name}" did not give a function`);
    return objective;
  } catch (error) {
    if (isSodateError(error)) throw error;
    throw new ObjectiveLoadError(`the built-in objective "${ref.name}" rejected its options: ${errorMessage(error)}`);
  }
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
