import type { WriteStream } from 'node:fs';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sqlitePath } from '../storage/url.js';

/** Bytes of a trial's log kept in storage (system attr `sodate:log_tail`). */
export const LOG_TAIL_BYTES = 4096;

/** `<dir>/<study>/<number>.log`. */
export function trialLogPath(logDir: string, study: string, number: number): string {
  return join(logDir, study, `${number}.log`);
}

/** Where logs go by default: a `logs/` folder next to the SQLite file, else `studies/logs`. */
export function defaultLogDir(storageUrl: string, cwd: string): string {
  const file = sqlitePath(storageUrl);
  if (file === undefined || file === ':memory:') return resolve(cwd, 'studies/logs');
  return join(dirname(resolve(cwd, file)), 'logs');
}

/**
 * A trial's output: appended to its log file (when there is one) and its tail kept in memory.
 * A `fresh` trial (every run but a promoted trial's resumption) starts its file anew: a file
 * of that number left by a deleted study of the same name would otherwise read as its own.
 */
export class TrialLog {
  private readonly file: string | undefined;
  private stream: WriteStream | undefined;
  private tailText = '';
  private bytes = 0;

  constructor(file: string | undefined, options: { readonly fresh?: boolean } = {}) {
    this.file = file;
    if (file === undefined || options.fresh !== true) return;
    try {
      rmSync(file, { force: true });
    } catch {
      // Not ours to remove (a folder of that name, no permission): the first write says so in its own way.
    }
  }

  append(text: string): void {
    if (text.length === 0) return;
    this.bytes += text.length;
    this.tailText = (this.tailText + text).slice(-LOG_TAIL_BYTES);
    if (this.file === undefined) return;
    if (this.stream === undefined) {
      mkdirSync(dirname(this.file), { recursive: true });
      this.stream = createWriteStream(this.file, { flags: 'a' });
      this.stream.on('error', () => undefined);
    }
    this.stream.write(text);
  }

  /** The last LOG_TAIL_BYTES characters; empty when the trial printed nothing. */
  tail(): string {
    return this.tailText;
  }

  get empty(): boolean {
    return this.bytes === 0;
  }

  close(): Promise<void> {
    const stream = this.stream;
    if (stream === undefined) return Promise.resolve();
    return new Promise((done) => stream.end(() => done()));
  }
}
