import { isAbsolute, relative, sep } from 'node:path';

/**
 * Whether `path` lies strictly inside `root` (a name such as `..foo` does; `..` and `../x` do
 * not): what keeps a recorded artifact or a checkpoint in its trial's directory.
 */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
