import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonValue } from '../../src/json.js';
import type { FrozenTrial } from '../../src/storage/records.js';

/** Debian's Python, which carries python3-optuna (3.1). */
export const PYTHON = '/usr/bin/python3';
const FIXTURES = fileURLToPath(new URL('../storage/fixtures/', import.meta.url));

/** Why the Optuna peer cannot run (null when it can): Python or one of `modules` is missing. */
export function pythonModulesMissing(modules: readonly string[]): string | null {
  const probe = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.error !== undefined) return `${PYTHON} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} cannot import ${modules.join(' and ')} (${probe.stderr.trim().split('\n').pop() ?? ''}); install python3-${modules.join(' python3-')}`;
  return null;
}

/** Run a script of test/storage/fixtures with Debian's Python; its stdout, or a thrown error with its stderr. */
export function runPythonFixture(script: string, args: readonly string[], timeoutMs = 60_000): string {
  const run = spawnSync(PYTHON, [join(FIXTURES, script), ...args], { encoding: 'utf8', timeout: timeoutMs });
  if (run.status !== 0) throw new Error(`${script} failed (${run.status}): ${run.stderr}`);
  return run.stdout;
}

/** One trial as optuna_read.py prints it. */
export interface OptunaTrial {
  number: number;
  state: string;
  params: Record<string, JsonValue>;
  values: (number | string)[] | null;
  intermediate_values: Record<string, number | string>;
  user_attrs: Record<string, JsonValue>;
  system_attrs: Record<string, JsonValue>;
  datetime_start: string | null;
  datetime_complete: string | null;
}

export interface OptunaStudy {
  direction: string;
  directions: string[];
  /** Numbers of `study.best_trials` (the Pareto front for several objectives), sorted. */
  best_trials: number[];
  /** The Pareto front of the feasible trials (constraints read as Optuna 5 does), by Optuna's dominance code. */
  feasible_best_trials: number[];
  user_attrs: Record<string, JsonValue>;
  study_names: string[];
  trials: OptunaTrial[];
}

/** Optuna's view of a study, read by Optuna itself (`url` as Optuna spells it). */
export function optunaRead(url: string, name: string, timeoutMs?: number): OptunaStudy {
  return JSON.parse(runPythonFixture('optuna_read.py', [url, name], timeoutMs)) as OptunaStudy;
}

/** Non-finite floats as optuna_read.py writes them. */
export function optunaFloat(x: number): number | string {
  return Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x;
}

function when(date: Date | null): string | null {
  return date === null ? null : date.toISOString().slice(0, 23).replace('T', ' ');
}

/** sodate's view of a trial in the shape optuna_read.py prints. */
export function asOptuna(t: FrozenTrial): OptunaTrial {
  return {
    number: t.number,
    state: t.state,
    params: t.params as Record<string, JsonValue>,
    values: t.values === null ? null : t.values.map(optunaFloat),
    intermediate_values: Object.fromEntries([...t.intermediateValues].map(([step, v]) => [String(step), optunaFloat(v)])),
    user_attrs: t.userAttrs as Record<string, JsonValue>,
    system_attrs: t.systemAttrs as Record<string, JsonValue>,
    datetime_start: when(t.datetimeStart),
    datetime_complete: when(t.datetimeComplete),
  };
}
