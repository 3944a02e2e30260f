import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface ParsedArgs {
  readonly positionals: string[];
  readonly values: Record<string, string | boolean | undefined>;
}

/** parseArgs with one-line usage errors that name the command and point to --help. */
export function parseCommandArgs(command: string, argv: readonly string[], options: OptionSpec, positionals: { min: number; max: number; names: string }): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]?.replace(/\. To specify a positional argument.*$/, '') ?? 'bad arguments';
    throw new UsageError(`sodate ${command}: ${message}; see \`sodate ${command} --help\``);
  }
  const count = parsed.positionals.length;
  if (!parsed.values['help'] && (count < positionals.min || count > positionals.max)) {
    throw new UsageError(`sodate ${command}: expected ${positionals.names}, got ${count === 0 ? 'nothing' : parsed.positionals.join(' ')}; see \`sodate ${command} --help\``);
  }
  return { positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | undefined> };
}

/** A flag that must be a non-negative integer (positive when `min` is 1). */
export function integerFlag(command: string, name: string, raw: string | boolean | undefined, min = 0): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || value < min) {
    throw new UsageError(`sodate ${command}: --${name} expects an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function choiceFlag<T extends string>(command: string, name: string, raw: string | boolean | undefined, choices: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !choices.includes(raw as T)) {
    throw new UsageError(`sodate ${command}: --${name} expects one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}
