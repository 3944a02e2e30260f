/** Where the CLI writes; injectable so tests can read what a command printed. */
export interface CliIo {
  readonly out: { write(text: string): unknown; isTTY?: boolean };
  readonly err: { write(text: string): unknown };
  /** Working directory that relative paths (default storage) resolve against. */
  readonly cwd: string;
  /**
   * Aborted once nothing reads `out` any more (`sodate best | head -1` after head exits);
   * what is written after that is dropped. Absent (the default for an injected io): `out`
   * never closes.
   */
  readonly outClosed?: AbortSignal;
}

let processOutClosed: AbortSignal | undefined;

/**
 * A write error on stdout (EPIPE: the reader exited) closes the output instead of crashing
 * the process with an unhandled 'error' event; a failed stderr loses messages, never the run.
 * Listened to once per process, however many times `processIo()` is called.
 */
function watchProcessOutput(): AbortSignal {
  if (processOutClosed !== undefined) return processOutClosed;
  const closed = new AbortController();
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (closed.signal.aborted) return;
    if (error.code !== 'EPIPE') process.stderr.write(`sodate: cannot write to standard output (${error.message}); the rest of the output is dropped\n`);
    closed.abort();
  });
  process.stderr.on('error', () => {});
  processOutClosed = closed.signal;
  return processOutClosed;
}

export function processIo(): CliIo {
  return { out: process.stdout, err: process.stderr, cwd: process.cwd(), outClosed: watchProcessOutput() };
}

export function println(stream: { write(text: string): unknown }, text = ''): void {
  stream.write(`${text}\n`);
}

/**
 * For a run (`tune`, `worker`): the signal that stops it asking new trials once nothing reads
 * `io.out` (the running ones finish and are recorded, as at a first Ctrl-C), said on stderr,
 * which the reader that left (`| head`) did not take; undefined for an output that never closes.
 */
export function stopWhenOutputCloses(io: CliIo, command: string): AbortSignal | undefined {
  const closed = io.outClosed;
  const say = () => io.err.write(`sodate ${command}: the output was closed (its reader exited); no new trials, the running ones finish and are recorded\n`);
  if (closed?.aborted === true) say();
  else closed?.addEventListener('abort', say, { once: true });
  return closed;
}
