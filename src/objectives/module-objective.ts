import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SodateError } from '../errors.js';
import { loadFailureReason } from './load-failure.js';
import type { SlotObjective } from '../study/optimize.js';

/** The objective module cannot be loaded or does not export a function. */
export class ObjectiveLoadError extends SodateError {
  constructor(message: string) {
    super('SODATE_OBJECTIVE_LOAD', message, 2);
  }
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Load `export function objective(trial)` (or another named export) from a JS or TS
 * module. TypeScript is compiled on the fly with tsx, so users need no build step.
 */
export async function loadModuleObjective(path: string, exportName = 'objective'): Promise<SlotObjective> {
  if (!existsSync(path)) throw new ObjectiveLoadError(`objective module ${path} does not exist; fix objective.module in the space file`);
  let module: Record<string, unknown>;
  try {
    if (TYPESCRIPT.has(extname(path))) {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
    } else {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new ObjectiveLoadError(`objective module ${path} failed to load: ${loadFailureReason(error, path)}`);
  }
  const candidate = module[exportName] ?? (exportName === 'objective' ? module['default'] : undefined);
  if (typeof candidate !== 'function') {
    const exported = Object.keys(module).filter((k) => typeof module[k] === 'function');
    throw new ObjectiveLoadError(
      `objective module ${path} has no exported function "${exportName}"${exported.length > 0 ? `; it exports: ${exported.join(', ')}` : ''}`,
    );
  }
  return candidate as SlotObjective;
}
