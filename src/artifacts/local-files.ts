import { errorMessage, SodateError } from '../errors.js';

/** Why a local file or folder could not be read, created or written, in words (the errno's meaning, not only its code). */
export function fileErrorInWords(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTDIR') return 'a part of its path is a file, not a directory';
  if (code === 'EEXIST') return 'it is a file, not a directory';
  if (code === 'EISDIR') return 'a directory is in the way';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'the file system is read-only';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'ELOOP') return 'it is a symbolic link';
  return errorMessage(error);
}

/** Whether `error` is a failure of a local file operation (it names the file), not of the network. */
export function isLocalFileError(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  return typeof (error as { code?: unknown }).code === 'string' && typeof (error as { path?: unknown }).path === 'string';
}

/**
 * Files could not be written where artifacts were to be copied or downloaded (`--copy-to`
 * names a file, a folder under a file, one that is not writable). `file` and `reason` say
 * which local file failed and why, for a caller that names the target in its own words.
 */
export class ArtifactCopyError extends SodateError {
  readonly file: string | undefined;
  readonly reason: string | undefined;

  constructor(message: string, failure?: { readonly file: string; readonly reason: string }) {
    super('SODATE_ARTIFACT_COPY', message, 2);
    this.file = failure?.file;
    this.reason = failure?.reason;
  }
}
