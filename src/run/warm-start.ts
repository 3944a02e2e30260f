import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SodateError } from '../errors.js';
import { SpaceError } from '../errors.js';
import type { StudyFile } from '../study-file/study-file.js';
import type { Storage } from '../storage/storage.js';
import { defaultStorageUrl, sqlitePath } from '../storage/url.js';
import type { WarmStartOptions } from '../study/warm-start.js';
import { isWarmStartError } from '../study/warm-start.js';

/**
 * The warm start a space file asks for, as `createStudy` takes it. Without `storage:`, the
 * earlier study is looked for in this study's storage, then in its own default file
 * (studies/<from>.db), which is where `sodate tune` put it.
 */
export async function warmStartFor(file: StudyFile, storage: Storage): Promise<WarmStartOptions | undefined> {
  const spec = file.warmStart;
  if (spec === undefined) return undefined;
  let where: string | undefined = spec.storage;
  let lookedIn: string | undefined;
  if (where === undefined && (await storage.loadStudy(spec.from)) === null) {
    const own = defaultStorageUrl(spec.from);
    const path = sqlitePath(own);
    if (path !== undefined && existsSync(resolve(path))) where = own;
    else lookedIn = path ?? own;
  }
  return {
    from: spec.from,
    ...(where === undefined ? {} : { storage: where }),
    ...(lookedIn === undefined ? {} : { alsoLookedIn: lookedIn }),
    space: file.space,
    ...(spec.assume === undefined ? {} : { assume: spec.assume }),
    ...(spec.enqueueBest === undefined ? {} : { enqueueBest: spec.enqueueBest }),
    ...(spec.outside === undefined ? {} : { outside: spec.outside }),
  };
}

/** A warm start's refusal as the file's error: `x.yaml:7: warmStart: no study named …`. */
export function placeWarmStartError(error: unknown, file: StudyFile): unknown {
  if (!isWarmStartError(error) || file.warmStart === undefined) return error;
  const message = (error as SodateError).message.replace(/^warm start: /, '');
  return new SpaceError(`${file.file}:${file.warmStart.line}: warmStart: ${message}`);
}
