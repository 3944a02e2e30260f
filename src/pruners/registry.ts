import { OptionError } from '../errors.js';
import type { Pruner } from '../study/policies.js';
import { NopPruner } from './nop.js';

export interface PrunerEntry {
  readonly kind: string;
  /** One line for `sodate --help` and error messages. */
  readonly summary: string;
  /** Option keys a space file may set (besides `kind`); anything else is refused with its line. */
  readonly optionKeys: readonly string[];
  create(options: Record<string, unknown>): Pruner;
}

/** Pruners selectable by name in space files. Each entry builds and validates one. */
export const PRUNERS: readonly PrunerEntry[] = [
  { kind: 'none', summary: 'never prunes', optionKeys: [], create: () => new NopPruner() },
];

export function prunerEntry(kind: string): PrunerEntry {
  const entry = PRUNERS.find((e) => e.kind === kind);
  if (entry === undefined) throw new OptionError(`unknown pruner "${kind}"; use one of: ${PRUNERS.map((e) => e.kind).join(', ')}`);
  return entry;
}

export function createPruner(kind: string, options: Record<string, unknown> = {}): Pruner {
  return prunerEntry(kind).create(options);
}
