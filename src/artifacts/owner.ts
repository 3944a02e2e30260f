import { accessSync, constants, linkSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errorMessage, SodateError } from '../errors.js';
import { fileErrorInWords } from './local-files.js';
import { parsePostgresUrl } from '../storage/postgres/url.js';
import { sqlitePath } from '../storage/url.js';

/**
 * Which study a folder of trial directories (`<root>/<study>/`) belongs to. Two studies
 * with the same name whose storages sit in one folder (exp-a.db, exp-b.db) get the same
 * default root: without a claim the second one's trials would empty the first one's
 * directories, and listing, copying or deleting one would reach the other's files.
 */

/** The owner file, inside `<root>/<study>/` so that it moves and goes with the folder. */
export const OWNER_FILE = '.sodate-study.json';

/** A study as its claim names it. */
export interface StudyOwner {
  readonly study: string;
  readonly studyId: number;
  /**
   * The storage, spelled the same from every process that reaches it: `sqlite:<real path of
   * the file>`, `postgresql:<database>` (not the host, which machines spell differently);
   * undefined for `memory:`, which no later process can reach and so never owns a folder.
   */
  readonly storage: string | undefined;
}

/**
 * A run cannot use its artifact folder: it belongs to another study (SODATE_ARTIFACT_DIR),
 * or cannot be created or written (SODATE_ARTIFACT_DIR_UNWRITABLE).
 */
export class ArtifactDirError extends SodateError {
  constructor(message: string, code: 'SODATE_ARTIFACT_DIR' | 'SODATE_ARTIFACT_DIR_UNWRITABLE' = 'SODATE_ARTIFACT_DIR') {
    super(code, message, 2);
  }
}

/**
 * The storage identity a claim records for a storage URL: a SQLite file's real path (a
 * relative one resolved against `cwd` (the process's, which is what the storage was opened against).
 */
export function storageIdentity(url: string, cwd: string = process.cwd()): string | undefined {
  const text = url.trim();
  // The database alone: machines sharing one folder reach the server by addresses of their own.
  // (Two servers, each with a database and a study of the same names, writing to one folder
  // would be taken for one; a study identifier stored at creation would tell them apart.)
  if (/^postgres(ql)?(\+\w+)?:/i.test(text)) return `postgresql:${parsePostgresUrl(text).target.database}`;
  const file = sqlitePath(text);
  if (file === undefined || file === ':memory:') return undefined;
  const path = resolve(cwd, file);
  try {
    // Real path: a symbolic link to the file, or a folder reached two ways, is the same storage.
    return `sqlite:${realpathSync(path)}`;
  } catch {
    return `sqlite:${path}`;
  }
}

/** The claim of a study opened in `storage`. */
export function ownerOf(study: { readonly name: string; readonly id: number }, storageUrl: string): StudyOwner {
  return { study: study.name, studyId: study.id, storage: storageIdentity(storageUrl) };
}

/** `study demo (id 3) of sqlite:/runs/exp-a.db`. */
export function describeOwner(owner: StudyOwner): string {
  return `study ${owner.study} (id ${owner.studyId}) of ${owner.storage ?? 'memory:'}`;
}

/** What the owner file of `studyDir` says: its owner, none (no file: made by an earlier sodate, or never claimed), or why it cannot be read. */
export function readOwner(studyDir: string): StudyOwner | undefined | { readonly unreadable: string } {
  const file = join(studyDir, OWNER_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    return { unreadable: `its owner file ${file} cannot be read (${errorMessage(error)})` };
  }
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    if (typeof raw['study'] === 'string' && typeof raw['studyId'] === 'number' && (typeof raw['storage'] === 'string' || raw['storage'] === null)) {
      return { study: raw['study'], studyId: raw['studyId'], storage: raw['storage'] ?? undefined };
    }
  } catch {
    // Reported below.
  }
  return { unreadable: `its owner file ${file} does not name a study (expected {"study", "studyId", "storage"})` };
}

function sameOwner(a: StudyOwner, b: StudyOwner): boolean {
  return a.storage !== undefined && a.storage === b.storage && a.studyId === b.studyId;
}

/**
 * Whether the files under `studyDir` are `me`'s to list, copy or delete: undefined when
 * they are (its claim names `me`, or it has none), else why not, as a phrase following the
 * folder's path (`belongs to study demo (id 1) of sqlite:/runs/a.db`).
 */
export function foreignOwner(studyDir: string, me: StudyOwner): string | undefined {
  const owner = readOwner(studyDir);
  if (owner === undefined) return undefined;
  if ('unreadable' in owner) return `is of no known study: ${owner.unreadable}`;
  return sameOwner(owner, me) ? undefined : `belongs to ${describeOwner(owner)}`;
}

/** `foreignOwner`, each folder read once (a listing reads one per trial). */
export class OwnerCheck {
  private readonly seen = new Map<string, string | undefined>();

  constructor(readonly me: StudyOwner) {}

  foreign(studyDir: string): string | undefined {
    if (!this.seen.has(studyDir)) this.seen.set(studyDir, foreignOwner(studyDir, this.me));
    return this.seen.get(studyDir);
  }
}

/** What a claimed folder is called in messages, and the options that move it. */
export interface ClaimWording {
  readonly noun: string;
  readonly fix: string;
}
/** Trial directories (`<root>/<study>/<trial>/`). */
export const ARTIFACT_FOLDER: ClaimWording = { noun: 'artifact directory', fix: '--artifact-dir, or artifacts.dir in the space file' };
/** Trial logs (`<logs>/<study>/<trial>.log`): two studies of one name there would read each other's. */
export const LOG_FOLDER: ClaimWording = { noun: 'log directory', fix: '--log-dir' };

function cannotUse(studyDir: string, error: unknown, wording: ClaimWording): ArtifactDirError {
  return new ArtifactDirError(`cannot use the ${wording.noun} ${studyDir}: ${fileErrorInWords(error)}; give the run a directory it can write (${wording.fix})`, 'SODATE_ARTIFACT_DIR_UNWRITABLE');
}

/** Write the owner file only if there is none yet (a hard link of a finished file: another process never reads it half written). */
function writeOwnerOnce(file: string, text: string): boolean {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, text);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    // A file system without hard links: an exclusive create will do.
    try {
      writeFileSync(file, text, { flag: 'wx' });
      return true;
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw inner;
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Claim `<root>/<study>/` for `me` before any trial runs, or refuse in one line: the
 * folder is created (an unwritable root, or one under a file, stops the run here rather
 * than fail every trial) and its owner file written; a folder without one (from an earlier
 * sodate) is adopted. A folder another study claimed is refused, except one claimed by a
 * study of the same name in the same storage with another id: names are unique in a
 * storage, so that study was deleted (`--keep-files`) and `me` takes the folder over
 * (`notice` says so). A `memory:` study claims nothing (no later run can be it) but is
 * refused another study's folder all the same.
 */
export function claimStudyDir(root: string, me: StudyOwner, notice: (text: string) => void = () => undefined, wording: ClaimWording = ARTIFACT_FOLDER): void {
  const studyDir = join(resolve(root), me.study);
  try {
    mkdirSync(studyDir, { recursive: true });
    if (!lstatSync(studyDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'EEXIST' });
    accessSync(studyDir, constants.W_OK);
  } catch (error) {
    throw cannotUse(studyDir, error, wording);
  }
  const file = join(studyDir, OWNER_FILE);
  const text = `${JSON.stringify({ study: me.study, studyId: me.studyId, storage: me.storage ?? null, claimedAt: new Date().toISOString() })}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    const owner = readOwner(studyDir);
    if (owner === undefined) {
      if (me.storage === undefined) return;
      try {
        if (writeOwnerOnce(file, text)) return;
      } catch (error) {
        throw cannotUse(studyDir, error, wording);
      }
      // Another process of a study claimed it meanwhile: read its claim.
      continue;
    }
    if ('unreadable' in owner) {
      throw new ArtifactDirError(`the ${wording.noun} ${studyDir} is of no known study: ${owner.unreadable}; give this study a directory of its own (${wording.fix}), or remove ${file} if the folder is this study's`);
    }
    if (sameOwner(owner, me)) return;
    if (me.storage !== undefined && owner.storage === me.storage && owner.study === me.study) {
      try {
        writeFileSync(`${file}.tmp`, text);
        renameSync(`${file}.tmp`, file);
      } catch (error) {
        throw cannotUse(studyDir, error, wording);
      }
      notice(`the ${wording.noun} ${studyDir} belonged to ${describeOwner(owner)}, which was deleted; it is now this study's (id ${me.studyId}), and what that study left there is replaced as trials run`);
      return;
    }
    throw new ArtifactDirError(
      `the ${wording.noun} ${studyDir} belongs to ${describeOwner(owner)}, not to this ${describeOwner(me)}; give this study a directory of its own (${wording.fix}), or remove ${studyDir} if that study is gone`,
    );
  }
  throw cannotUse(studyDir, new Error('its owner file keeps changing'), wording);
}
