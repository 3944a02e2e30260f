/** Where the CLI writes; injectable so tests can read what a command printed. */
export interface CliIo {
  readonly out: { write(text: string): unknown; isTTY?: boolean };
  readonly err: { write(text: string): unknown };
  /** Working directory that relative paths (default storage) resolve against. */
  readonly cwd: string;
}

export function processIo(): CliIo {
  return { out: process.stdout, err: process.stderr, cwd: process.cwd() };
}

export function println(stream: { write(text: string): unknown }, text = ''): void {
  stream.write(`${text}\n`);
}
