import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface ParsedArgs {
  readonly positionals: string[];
  readonly values: Record<string, string | boolean | undefined>;
}

/** `-3`, `-0.5`, `-1e-3`: a token parseArgs would read as an option, though it is a value. */
const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** parseArgs with one-line usage errors that name the command and point to --help. */
export function parseCommandArgs(command: string, argv: readonly string[], options: OptionSpec, positionals: { min: number; max: number; names: string }): ParsedArgs {
  const allOptions: OptionSpec = { ...options, help: { type: 'boolean', short: 'h' } };
  let parsed;
  try {
    parsed = parseArgs({ args: joinOptionValues(command, argv, allOptions), options: allOptions, allowPositionals: true, strict: true });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`sodate ${command}: ${describeParseError(error)}; see \`sodate ${command} --help\``);
  }
  const count = parsed.positionals.length;
  if (!parsed.values['help'] && (count < positionals.min || count > positionals.max)) {
    throw new UsageError(`sodate ${command}: expected ${positionals.names}, got ${count === 0 ? 'nothing' : parsed.positionals.join(' ')}; see \`sodate ${command} --help\``);
  }
  return { positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | undefined> };
}

/**
 * Rewrites `--opt VALUE` as `--opt=VALUE` for each option that takes a value, so that a negative
 * number (`--trials -3`) reaches the flag's own validation instead of parseArgs' "ambiguous"
 * error. A missing value, or one that looks like an option, is a usage error naming the fix.
 */
function joinOptionValues(command: string, argv: readonly string[], options: OptionSpec): string[] {
  const shortNames = new Map(Object.entries(options).flatMap(([name, spec]) => (spec.short === undefined ? [] : [[spec.short, name] as const])));
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') {
      joined.push(...argv.slice(i));
      break;
    }
    const name = token.startsWith('--') ? token.slice(2) : /^-[^-]$/.test(token) ? shortNames.get(token.slice(1)) : undefined;
    if (name === undefined || options[name]?.type !== 'string') {
      joined.push(token);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) {
      throw new UsageError(`sodate ${command}: ${token} needs a value; write ${token} VALUE or --${name}=VALUE`);
    }
    if (value.length > 1 && value.startsWith('-') && !NEGATIVE_NUMBER.test(value)) {
      throw new UsageError(`sodate ${command}: ${token} needs a value, got option ${JSON.stringify(value)}; write --${name}=${value} if that is the value`);
    }
    joined.push(`--${name}=${value}`);
    i++;
  }
  return joined;
}

/** parseArgs' own message (multi-line, Node's wording) as one clause with the fix. */
function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  // Node names an option with a short form as '-h, --help': the long name is the one to show.
  const option = /'(?:-\w, )?(--?[^' ]+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return `unknown option ${option}: check its spelling, or pass an argument that starts with "-" after \`--\``;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined && /does not take an argument/.test(message)) {
    return `${option} takes no value; write ${option} alone`;
  }
  return (message.split('\n')[0] ?? 'bad arguments').replace(/\. To specify a positional argument.*$/, '').replace(/\.$/, '');
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
