import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { CommandSpec } from './command-objective.js';
import { hasPlaceholder } from './command-objective.js';

/** Whether `file` is a regular file this process may execute. */
function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a command objective's program cannot start, looked up as spawn will (a path from the
 * command's folder, else each PATH folder), or undefined when it can or cannot be known
 * beforehand (a `{placeholder}` program, Windows' own lookup). Asked before the study is
 * touched, so a typo costs no failed trial.
 */
export function missingProgram(spec: CommandSpec, path: string | undefined = process.env['PATH']): string | undefined {
  const program = spec.argv[0];
  if (program === undefined || hasPlaceholder(program) || process.platform === 'win32') return undefined;
  if (program.includes('/')) {
    const file = isAbsolute(program) ? program : resolve(spec.cwd, program);
    let kind: 'missing' | 'folder' | 'file';
    try {
      kind = statSync(file).isFile() ? 'file' : 'folder';
    } catch {
      kind = 'missing';
    }
    if (kind === 'missing') return `the command's program ${file} does not exist; fix objective.command in the space file (a relative path starts from the space file's folder)`;
    if (kind === 'folder') return `the command's program ${file} is a folder, not a program; fix objective.command in the space file`;
    if (!isExecutableFile(file)) return `the command's program ${file} is not executable; make it so (chmod +x ${program}) or run it through its interpreter (command: [python3, ${program}, …])`;
    return undefined;
  }
  const folders = (path ?? '').split(delimiter).map((dir) => resolve(spec.cwd, dir === '' ? '.' : dir));
  if (folders.some((dir) => isExecutableFile(join(dir, program)))) return undefined;
  return `the command's program "${program}" is not on PATH; install it, or give its path in objective.command in the space file`;
}
