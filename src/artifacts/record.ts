import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { JsonValue } from '../json.js';
import type { FrozenTrial } from '../storage/records.js';
import { ARTIFACTS_DELETED_ATTR, ARTIFACTS_RECORDED_ATTR, ARTIFACT_DIR_ATTR } from '../storage/metadata.js';
import { isInside } from '../paths.js';

/** Optuna's prefix for artifact meta in trial system attributes (`optuna/artifacts/_upload.py`). */
export const ARTIFACT_ATTR_PREFIX = 'artifacts:';

/** One file of a trial's directory as recorded when the trial ended. */
export interface ArtifactFile {
  /** Path relative to the trial's directory, with `/` separators (`ckpt/model.pt`). */
  readonly name: string;
  readonly size: number;
  /** Hex sha256 of the contents. */
  readonly sha256: string;
  /** Where it was uploaded (`s3://bucket/prefix/<study>/<trial>/<name>`), with an object store. */
  readonly url?: string;
}

/**
 * What one `artifacts:<artifact_id>` attribute holds: Optuna's ArtifactMeta fields
 * (`artifact_id`, `filename`, `mimetype`, `encoding`), stored as Optuna does as a JSON
 * string, plus sodate's `size` and `sha256`. Optuna's `get_all_artifact_meta` and
 * optuna-dashboard list them; they ignore the extra fields.
 */
export interface ArtifactMeta {
  readonly artifact_id: string;
  readonly filename: string;
  readonly mimetype: string;
  readonly encoding: string | null;
  readonly size: number;
  readonly sha256: string;
  /** With an object store: the object's `s3://` URL. */
  readonly url?: string;
}

/** What scanning a trial's directory found: the files to record, and one line per entry refused. */
export interface ArtifactScan {
  readonly files: ArtifactFile[];
  readonly refused: string[];
}

/** Files up to this size are hashed in one synchronous read (fast); larger ones streamed, so the loop is not blocked for long. */
const SYNC_HASH_BYTES = 8 * 1024 * 1024;

/** The hex sha256 of the file at `path`, `size` bytes long. */
export async function sha256Of(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  if (size <= SYNC_HASH_BYTES) return hash.update(readFileSync(path)).digest('hex');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Every regular file under `dir` (recursively), in name order. Symbolic links are never
 * followed: one pointing outside the directory is refused as an escape, one pointing
 * inside is refused too (its target is recorded under its own name). A missing `dir`
 * holds no files; a `dir` that is itself a link is refused whole.
 */
export async function scanArtifacts(dir: string): Promise<ArtifactScan> {
  const root = resolve(dir);
  const files: ArtifactFile[] = [];
  const refused: string[] = [];
  let top;
  try {
    top = lstatSync(root);
  } catch {
    return { files, refused };
  }
  if (!top.isDirectory()) {
    refused.push(`artifact directory ${root} is ${top.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; nothing in it was recorded`);
    return { files, refused };
  }
  const walk = async (folder: string): Promise<void> => {
    const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      const name = relative(root, path).split(sep).join('/');
      if (!isInside(root, path)) {
        refused.push(`artifact ${JSON.stringify(name)} escapes the trial's directory ${root}; not recorded`);
      } else if (entry.isSymbolicLink()) {
        const target = resolve(dirname(path), readlinkSync(path));
        refused.push(
          isInside(root, target)
            ? `artifact ${JSON.stringify(name)} is a symbolic link; not recorded (its target is recorded under its own name)`
            : `artifact ${JSON.stringify(name)} is a symbolic link to ${target}, outside the trial's directory ${root}; not recorded (copy the file into the directory instead)`,
        );
      } else if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile()) {
        const { size } = lstatSync(path);
        files.push({ name, size, sha256: await sha256Of(path, size) });
      } else {
        refused.push(`artifact ${JSON.stringify(name)} is not a regular file; not recorded`);
      }
    }
  };
  await walk(root);
  return { files, refused };
}

const MIME_TYPES: Readonly<Record<string, string>> = {
  json: 'application/json',
  jsonl: 'application/jsonl',
  csv: 'text/csv',
  txt: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  html: 'text/html',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  npy: 'application/octet-stream',
  tar: 'application/x-tar',
  zip: 'application/zip',
};

/** Python's `mimetypes.guess_type` for the common cases: `.gz` is an encoding of what it wraps. */
export function guessMimeType(name: string): { mimetype: string; encoding: string | null } {
  const parts = name.toLowerCase().split('/').pop()?.split('.') ?? [];
  let encoding: string | null = null;
  if (parts.length > 1 && parts[parts.length - 1] === 'gz') {
    encoding = 'gzip';
    parts.pop();
  }
  const ext = parts.length > 1 ? (parts[parts.length - 1] as string) : '';
  return { mimetype: MIME_TYPES[ext] ?? 'application/octet-stream', encoding };
}

/**
 * A stable artifact id shaped like Optuna's (a UUID: hex and dashes, what
 * optuna-dashboard's artifact routes accept), derived from the study, trial and name so
 * recording the same file again writes the same attribute.
 */
export function artifactId(study: string, number: number, name: string): string {
  const h = createHash('sha256').update(`${study}\0${number}\0${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The system attributes that record `files` on a trial: one `artifacts:<id>` per file, plus
 * the summary; `urlOf` names each file's object when they go to an object store.
 */
export function artifactAttrs(study: string, number: number, files: readonly ArtifactFile[], at: Date = new Date(), urlOf?: (name: string) => string): Record<string, JsonValue> {
  const attrs: Record<string, JsonValue> = {};
  for (const file of files) {
    const id = artifactId(study, number, file.name);
    const meta: ArtifactMeta = { artifact_id: id, filename: file.name, ...guessMimeType(file.name), size: file.size, sha256: file.sha256, ...(urlOf === undefined ? {} : { url: urlOf(file.name) }) };
    attrs[`${ARTIFACT_ATTR_PREFIX}${id}`] = JSON.stringify(meta);
  }
  attrs[ARTIFACTS_RECORDED_ATTR] = { at: at.toISOString(), files: files.length, bytes: files.reduce((sum, f) => sum + f.size, 0) };
  return attrs;
}

/** The files recorded on a trial, in name order (entries that do not parse are skipped). */
export function recordedArtifacts(trial: Pick<FrozenTrial, 'systemAttrs'>): ArtifactFile[] {
  const files: ArtifactFile[] = [];
  for (const [key, value] of Object.entries(trial.systemAttrs)) {
    if (!key.startsWith(ARTIFACT_ATTR_PREFIX) || typeof value !== 'string') continue;
    try {
      const meta = JSON.parse(value) as Partial<ArtifactMeta>;
      if (typeof meta.filename !== 'string') continue;
      files.push({
        name: meta.filename,
        size: typeof meta.size === 'number' ? meta.size : -1,
        sha256: typeof meta.sha256 === 'string' ? meta.sha256 : '',
        ...(typeof meta.url === 'string' ? { url: meta.url } : {}),
      });
    } catch {
      continue;
    }
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The directory a trial's files were written to, if it had one. */
export function trialArtifactDirOf(trial: Pick<FrozenTrial, 'systemAttrs'>): string | undefined {
  const dir = trial.systemAttrs[ARTIFACT_DIR_ATTR];
  return typeof dir === 'string' ? dir : undefined;
}

export function artifactsDeleted(trial: Pick<FrozenTrial, 'systemAttrs'>): boolean {
  return trial.systemAttrs[ARTIFACTS_DELETED_ATTR] !== undefined;
}

export function artifactsRecorded(trial: Pick<FrozenTrial, 'systemAttrs'>): boolean {
  return trial.systemAttrs[ARTIFACTS_RECORDED_ATTR] !== undefined;
}
