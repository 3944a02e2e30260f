import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../errors.js';

/**
 * The one line that says why a module failed to load. tsx's (esbuild's) message starts
 * with `Transform failed with 1 error:`; its location line `file.ts:2:25: ERROR: Unexpected ";"`
 * is the useful one. Node's SyntaxError names no place when the module is ESM: it gets the
 * place from its stack, else from `node --check` (`file.mjs:2: SyntaxError: Unexpected token ';'`).
 * Anything else: the message's first line.
 */
export function loadFailureReason(error: unknown, path: string | undefined): string {
  const lines = errorMessage(error).split('\n');
  const located = lines.find((line) => /:\d+:\d+: ERROR: /.test(line));
  if (located !== undefined) return located.trim();
  const first = lines.find((line) => line.trim() !== '')?.trim() ?? '';
  if (!(error instanceof Error) || error.name !== 'SyntaxError') return first;
  const place = stackPlace(error.stack) ?? (path === undefined ? undefined : checkedPlace(path));
  return place === undefined ? `SyntaxError: ${first}` : `${place}: SyntaxError: ${first}`;
}

/** `/dir/file.cjs:1` that Node puts above the message (CJS, a missing export), else the first frame in a file (JSON.parse at the top level). */
function stackPlace(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  const lines = stack.split('\n');
  const header = /^((?:file:\/\/|\/|[A-Za-z]:\\).*:\d+)$/.exec(lines[0] ?? '');
  if (header?.[1] !== undefined) return readablePath(header[1]);
  for (const line of lines) {
    const frame = /^\s+at (?:.* \()?((?:file:\/\/|\/|[A-Za-z]:\\)[^()]*:\d+:\d+)\)?$/.exec(line);
    if (frame?.[1] !== undefined) return readablePath(frame[1]);
  }
  return undefined;
}

/** Where `node --check` says a JS file's syntax error is; undefined when the file itself parses (the error is in a module it imports). */
function checkedPlace(path: string): string | undefined {
  if (!/\.[cm]?js$/.test(path)) return undefined;
  const check = spawnSync(process.execPath, ['--check', path], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  if (check.status === 0) return undefined;
  const header = /^(.+:\d+)\r?$/m.exec(check.stderr ?? '');
  return header?.[1] === undefined ? undefined : readablePath(header[1]);
}

function readablePath(place: string): string {
  if (!place.startsWith('file://')) return place;
  try {
    const at = /:\d+(?::\d+)?$/.exec(place);
    return fileURLToPath(place.slice(0, at?.index)) + (at?.[0] ?? '');
  } catch {
    return place;
  }
}
