import type { JsonValue } from '../json.js';
import type { ParamValue } from '../space/distributions.js';
import type { TrialTask } from './task.js';

/** A command trial's spec as the space file gives it: argv with `{name}` placeholders, no shell. */
export interface CommandSpec {
  readonly argv: readonly string[];
  /** Working directory: the space file's folder. */
  readonly cwd: string;
}

/** `{{` and `}}` (a literal brace, as in Python's format strings) or a `{name}` placeholder. */
const TOKEN = /\{\{|\}\}|\{([^{}]+)\}/g;

/**
 * An argument with each `{name}` replaced by `replace(name)` and `{{`, `}}` by one brace
 * (so `'{{"depth": {depth}}}'` passes a JSON object); `replace` returning undefined keeps the
 * placeholder as written.
 */
export function expandPlaceholders(arg: string, replace: (name: string) => string | undefined): string {
  return arg.replace(TOKEN, (whole, name: string | undefined) => (name === undefined ? whole[0] as string : replace(name) ?? whole));
}

/** The names an argument's `{name}` placeholders give (escaped braces are not placeholders). */
export function placeholderNames(arg: string): string[] {
  return [...arg.matchAll(TOKEN)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));
}

/** Whether an argument holds a `{name}` placeholder. */
export function hasPlaceholder(arg: string): boolean {
  return placeholderNames(arg).length > 0;
}

/** How a parameter value is written into an argument or an environment variable. */
export function formatArgValue(value: ParamValue): string {
  if (value === null) return 'null';
  return String(value);
}

/** SODATE_PARAM_<NAME>: the name upper-cased, every other character than A-Z and 0-9 as "_". */
export function paramEnvName(name: string): string {
  return `SODATE_PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * The argv of one trial: each `{name}` is replaced by the parameter's value inside its own
 * argument (so a value with spaces, quotes, `$()` or `;` stays one argument, and no shell
 * ever reads it); `{trial}` is the trial number, `{seed}` the trial's seed (unless a parameter
 * is named seed) and `{params_file}` the JSON file's path; `{{` and `}}` are literal braces.
 * An argument naming a parameter that is inactive in this trial (its `when:` does not hold)
 * is left out, together with the flag before it (`--momentum {momentum}`).
 */
export function commandArgv(spec: CommandSpec, task: TrialTask, paramsFile: string): string[] {
  const out: string[] = [];
  const templated: boolean[] = [];
  const { params } = task;
  for (const arg of spec.argv) {
    let inactive = false;
    const replaced = expandPlaceholders(arg, (name) => {
      if (name === 'trial') return String(task.number);
      if (name === 'seed' && !('seed' in params)) return String(task.seed ?? 0);
      if (name === 'params_file') return paramsFile;
      if (!(name in params)) {
        inactive = true;
        return undefined;
      }
      return formatArgValue(params[name] as ParamValue);
    });
    if (inactive) {
      const previous = out[out.length - 1];
      if (previous !== undefined && out.length > 1 && previous.startsWith('-') && templated[out.length - 1] === false) {
        out.pop();
        templated.pop();
      }
      continue;
    }
    out.push(replaced);
    templated.push(hasPlaceholder(arg));
  }
  return out;
}

/** The variables a command trial gets on top of the inherited environment. */
export function commandEnv(task: TrialTask, paramsFile: string): Record<string, string> {
  const env: Record<string, string> = {
    SODATE_STUDY: task.study,
    SODATE_TRIAL_NUMBER: String(task.number),
    SODATE_PARAMS_FILE: paramsFile,
    ...(task.seed === undefined ? {} : { SODATE_TRIAL_SEED: String(task.seed) }),
    ...(task.artifactDir === undefined ? {} : { SODATE_TRIAL_DIR: task.artifactDir }),
    ...(task.resumeFrom === undefined ? {} : { SODATE_RESUME_FROM: task.resumeFrom }),
    ...(task.resumeStep === undefined ? {} : { SODATE_RESUME_STEP: String(task.resumeStep) }),
  };
  for (const [name, value] of Object.entries(task.params)) env[paramEnvName(name)] = formatArgValue(value);
  return env;
}

/**
 * What a value, step or constraints line carries besides its numbers: `user_attrs` to store on
 * the trial, and notes on parts of it that were not what they should be though the line still
 * counts (each note goes into the trial's log as a `sodate:` line, with what happened and the fix).
 */
export interface LineExtras {
  readonly attrs?: Readonly<Record<string, JsonValue>>;
  readonly notes?: readonly string[];
}

/** One line of a command's stdout, read as a metric, a final value, attributes, or log text. */
export type OutputLine =
  | ({ readonly kind: 'report'; readonly step: number; readonly value: number; readonly values?: readonly number[] } & LineExtras)
  /** One fold's value: `{"fold": 2, "value": 0.41}`. */
  | ({ readonly kind: 'fold'; readonly fold: number; readonly value: number } & LineExtras)
  /** A line meant as a metric that cannot be one (a fold line with a bad index or value): fails the trial with this message. */
  | { readonly kind: 'invalid'; readonly message: string }
  /**
   * A value, step, constraints or attributes line whose content is wrong (`{"value": "abc"}`):
   * log text, since garbage never fails a trial by itself, with what is wrong and the fix.
   * `final` when the line was meant as the final value (it has no step).
   */
  | { readonly kind: 'malformed'; readonly message: string; readonly final: boolean }
  /** One number, or one per objective (`values`); a non-number entry is kept for tell to refuse. */
  | ({ readonly kind: 'final'; readonly value: number | readonly unknown[]; readonly constraints?: Readonly<Record<string, number>> } & LineExtras)
  | ({ readonly kind: 'constraints'; readonly constraints: Readonly<Record<string, number>> } & LineExtras)
  | { readonly kind: 'attrs'; readonly attrs: Readonly<Record<string, JsonValue>> }
  /** `{"checkpoint": "ckpt.pt"}` (optionally with `"step": 3`): a file in SODATE_TRIAL_DIR the trial can be resumed from. */
  | ({ readonly kind: 'checkpoint'; readonly path: string; readonly step?: number } & LineExtras)
  | { readonly kind: 'log' };

function numberOf(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (raw === 'NaN') return NaN;
  if (raw === 'Infinity' || raw === 'inf') return Infinity;
  if (raw === '-Infinity' || raw === '-inf') return -Infinity;
  return undefined;
}

function isObject(raw: unknown): raw is Record<string, unknown> {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw);
}

/** A found value for a note, one line and short. */
function shown(raw: unknown): string {
  const text = JSON.stringify(raw) ?? String(raw);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A `constraints` object's entries as numbers (NaN and ±Infinity as strings too); undefined
 * when it is not an object. An entry that is not a number is NaN, a measurement that failed:
 * the trial is infeasible, never wrongly feasible, and a note says so.
 */
function constraintsOf(raw: unknown): { constraints: Record<string, number>; notes: string[] } | undefined {
  if (!isObject(raw)) return undefined;
  const constraints: Record<string, number> = {};
  const notes: string[] = [];
  for (const [name, v] of Object.entries(raw)) {
    const value = numberOf(v);
    if (value === undefined) notes.push(`constraint ${JSON.stringify(name)} must be a number (or "NaN" for a failed measurement), got ${shown(v)}; it is stored as NaN, so the trial is infeasible`);
    constraints[name] = value ?? NaN;
  }
  return { constraints, notes };
}

const USER_ATTRS_RULE = 'user_attrs must be an object, as in {"user_attrs": {"note": "hi"}}';

/** The `user_attrs` riding on a value, step or constraints line (`what` counts); a note when it is not an object. */
function attrsOf(record: Record<string, unknown>, what: 'value' | 'constraints' | 'checkpoint'): LineExtras {
  if (!('user_attrs' in record)) return {};
  const attrs = record['user_attrs'];
  if (isObject(attrs)) return { attrs: attrs as Record<string, JsonValue> };
  return { notes: [`${USER_ATTRS_RULE}; the line's ${what} ${what === 'constraints' ? 'count' : 'counts'}, its user_attrs are not stored`] };
}

/** `line` with its attributes and notes, each only when there is one. */
function withExtras<T extends OutputLine>(line: T, ...extras: LineExtras[]): T {
  const attrs = extras.find((e) => e.attrs !== undefined)?.attrs;
  const notes = extras.flatMap((e) => e.notes ?? []);
  return { ...line, ...(attrs === undefined ? {} : { attrs }), ...(notes.length === 0 ? {} : { notes }) };
}

const FOLD_EXAMPLE = 'print {"fold": 0, "value": 0.41} once per fold';

/**
 * A line with a `fold` key is a fold value or a mistake, never log text: a typo in it must
 * not pass silently as a missing fold.
 */
function foldLine(record: Record<string, unknown>): OutputLine {
  const fold = record['fold'];
  if (typeof fold !== 'number' || !Number.isInteger(fold) || fold < 0) {
    return { kind: 'invalid', message: `fold must be a non-negative integer (the fold's index), got ${JSON.stringify(fold)}; ${FOLD_EXAMPLE}` };
  }
  if ('step' in record || 'values' in record) return { kind: 'invalid', message: `a fold line has "fold" and "value" only, got ${JSON.stringify(record)}; ${FOLD_EXAMPLE}` };
  const value = numberOf(record['value']);
  if (value === undefined) return { kind: 'invalid', message: `the value of fold ${fold} must be a number, got ${JSON.stringify(record['value']) ?? 'none'}; ${FOLD_EXAMPLE}` };
  return withExtras({ kind: 'fold', fold, value }, attrsOf(record, 'value'), ignoredConstraints(record, 'a fold line'));
}

/** A note for constraints on a line that does not store them (a step, fold or checkpoint line). */
function ignoredConstraints(record: Record<string, unknown>, what: string): LineExtras {
  return 'constraints' in record ? { notes: [`constraints on ${what} are not stored; print them on the final line or on a line of their own`] } : {};
}

const CHECKPOINT_EXAMPLE = 'print {"checkpoint": "ckpt.pt", "step": 3} after writing the file into SODATE_TRIAL_DIR';

/** A line with a `checkpoint` key names a checkpoint or is a mistake, never log text: a typo must not silently leave a trial unresumable. */
function checkpointLine(record: Record<string, unknown>): OutputLine {
  const path = record['checkpoint'];
  if (typeof path !== 'string' || path.length === 0) return { kind: 'invalid', message: `checkpoint must name a file, got ${JSON.stringify(path)}; ${CHECKPOINT_EXAMPLE}` };
  const extras = [attrsOf(record, 'checkpoint'), ignoredConstraints(record, 'a checkpoint line')];
  if (!('step' in record)) return withExtras({ kind: 'checkpoint', path }, ...extras);
  const step = record['step'];
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) return { kind: 'invalid', message: `the step of checkpoint ${path} must be a non-negative integer, got ${JSON.stringify(step)}; ${CHECKPOINT_EXAMPLE}` };
  return withExtras({ kind: 'checkpoint', path, step }, ...extras);
}

const VALUE_EXAMPLE = 'value must be a number (or a list of numbers for several objectives)';
const STEP_RULE = 'step must be a non-negative integer';

/** What is wrong with a `value` that is not a number, and the fix. */
function badValue(raw: unknown): string {
  if (raw === null) return `${VALUE_EXAMPLE}, not null; JSON.stringify writes NaN as null: print "NaN" for a run that diverged`;
  if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return `${VALUE_EXAMPLE}, not a string: print ${raw.trim()} without quotes`;
  return VALUE_EXAMPLE;
}

function isStep(raw: unknown): raw is number {
  return typeof raw === 'number' && Number.isInteger(raw) && raw >= 0;
}

/** A line that is not JSON though it has a value key: Python's print(dict), a trailing comma. */
function unparsedValueLine(text: string): OutputLine {
  if (!/["'](values?)["']\s*:/.test(text)) return { kind: 'log' };
  const final = !/["']step["']\s*:/.test(text);
  if (/'values?'\s*:/.test(text)) return { kind: 'malformed', message: 'not JSON (single quotes): print the line with json.dumps(...) or JSON.stringify(...), not a dict', final };
  return { kind: 'malformed', message: 'not JSON: print the line with json.dumps(...) or JSON.stringify(...)', final };
}

const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;
const BARE_NON_FINITE = /(?<![\w$.])(?:-?Infinity|NaN)(?![\w$])/g;

/**
 * Python's json.dumps writes a NaN or infinite float as a bare `NaN`, `Infinity` or
 * `-Infinity`, which JSON has not: those tokens outside strings become the strings
 * `"NaN"`, `"Infinity"`, `"-Infinity"` that a value, step value or constraint takes anyway.
 * String contents are left as they are.
 */
function quoteNonFinite(text: string): string {
  let out = '';
  let at = 0;
  for (const match of text.matchAll(JSON_STRING)) {
    out += text.slice(at, match.index).replace(BARE_NON_FINITE, (token) => `"${token}"`) + match[0];
    at = match.index + match[0].length;
  }
  return out + text.slice(at).replace(BARE_NON_FINITE, (token) => `"${token}"`);
}

/** The line as JSON, reading Python's bare NaN and ±Infinity; undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    try {
      return JSON.parse(quoteNonFinite(text)) as unknown;
    } catch {
      return undefined;
    }
  }
}

/**
 * `{"checkpoint": "ckpt.pt", "step": 3}` names a checkpoint file (see `checkpointLine`; on a
 * line with a value the value counts and the checkpoint key is ignored),
 * `{"fold": 2, "value": 0.41}` is one fold's value (a bad fold line fails the trial),
 * `{"step": 3, "value": 0.41}` is an intermediate value, `{"value": 0.39}` the final one
 * (`{"values": [0.39, 12.5]}` for several objectives), `{"constraints": {"gpu_mem_gb": 14}}`
 * measured constrained quantities (also on the final line), `{"user_attrs": {...}}`
 * attributes for the trial (also on a value, step or constraints line); other keys on those
 * lines are ignored. A number may be "NaN", "Infinity" or "-Infinity", quoted or bare (Python).
 * One of those lines with wrong content (a value that is not a number, a step that is not a
 * non-negative integer, a value line that is not JSON) is `malformed`: log text with the
 * reason. A line that counts though part of it is wrong (a constraint that is not a number,
 * user_attrs that is not an object) carries a note on it. Anything else (plain text, other
 * JSON) is log text: garbage never fails a trial by itself.
 */
export function parseOutputLine(line: string): OutputLine {
  const text = line.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return { kind: 'log' };
  const data = parseJson(text);
  if (data === undefined) return unparsedValueLine(text);
  if (!isObject(data)) return { kind: 'log' };
  const record = data;
  if ('fold' in record) return foldLine(record);
  // A value line that also names a file (`{"value": 0.9, "checkpoint": "/models/best.pt"}`, as
  // scripts printed before checkpoints meant anything here) stays a value line.
  if ('checkpoint' in record && !('value' in record) && !('values' in record)) return checkpointLine(record);
  const measured = constraintsOf(record['constraints']);
  const final = !('step' in record);
  /** A final line: its constraints (with a note for each that is not a number) and user_attrs. */
  const finalLine = (value: number | readonly unknown[]): OutputLine => {
    if (measured === undefined) return withExtras({ kind: 'final', value }, attrsOf(record, 'value'));
    const notes = measured.notes.map((note) => `${note} (the line's value counts)`);
    return withExtras({ kind: 'final', value, constraints: measured.constraints }, { notes }, attrsOf(record, 'value'));
  };
  if (Array.isArray(record['values'])) {
    const value = (record['values'] as unknown[]).map((v) => numberOf(v) ?? v);
    if (final) return finalLine(value);
    const step = record['step'];
    const numbers = value.filter((v): v is number => typeof v === 'number');
    if (!isStep(step)) return { kind: 'malformed', message: `${STEP_RULE}, as in {"step": 3, "values": [0.41, 12.5]}`, final };
    if (value.length === 0) return { kind: 'malformed', message: 'values must list one number per objective', final };
    if (numbers.length !== value.length) return { kind: 'malformed', message: `values at step ${step} must all be numbers`, final };
    return withExtras({ kind: 'report', step, value: numbers[0] as number, values: numbers }, attrsOf(record, 'value'), ignoredConstraints(record, 'a step line'));
  }
  if ('value' in record) {
    const value = numberOf(record['value']);
    if (value === undefined) return { kind: 'malformed', message: badValue(record['value']), final };
    if (final) return finalLine(value);
    const step = record['step'];
    if (!isStep(step)) return { kind: 'malformed', message: `${STEP_RULE}, as in {"step": 3, "value": 0.41}`, final };
    return withExtras({ kind: 'report', step, value }, attrsOf(record, 'value'), ignoredConstraints(record, 'a step line'));
  }
  if ('values' in record) return { kind: 'malformed', message: 'values must be a list of numbers, one per objective, as in {"values": [0.39, 12.5]}', final };
  if (measured !== undefined) return withExtras({ kind: 'constraints', constraints: measured.constraints }, measured, attrsOf(record, 'constraints'));
  if ('constraints' in record) return { kind: 'malformed', message: 'constraints must be an object of numbers, as in {"constraints": {"gpu_mem_gb": 14}}', final: false };
  const attrs = record['user_attrs'];
  if (isObject(attrs)) return { kind: 'attrs', attrs: attrs as Record<string, JsonValue> };
  if ('user_attrs' in record) return { kind: 'malformed', message: USER_ATTRS_RULE, final: false };
  return { kind: 'log' };
}
