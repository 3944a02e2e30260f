import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exportCsv, exportJson, exportTrials } from '../../analysis/index.js';
import { choiceFlag, parseCommandArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { allTrialsOf, withStudy } from './trials.js';

export const EXPORT_HELP = `usage: sodate export <study> [--storage URL] [--format csv|json] [-o FILE]

Every trial, one row each, for analysis (pandas.read_csv, Optuna's trials_dataframe
naming): number, state, value, duration_s, start and end times, device, slot, best_epoch
(the step of the best intermediate value), with several objectives values_0, values_1, ...,
with constraints feasible (true/false), each constraint's distance past its limit
(constraints_<name>, <= 0 met) and measured value (measured_<name>, where stored), the
parameters (params_<name>; empty, in JSON null, where a condition left one out), what
the objective recorded (user_attrs_<key>) and a note: why a trial failed, or where it was
pruned.
Non-finite numbers are inf, -inf and NaN in CSV, "Infinity", "-Infinity" and "NaN" in JSON.
JSON rows nest the same facts (values, constraints, measured, params, user_attrs) and also
hold every intermediate value. Prints to stdout unless -o is given. Default format: csv.
`;

export async function exportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'export',
    argv,
    { storage: { type: 'string' }, format: { type: 'string' }, output: { type: 'string', short: 'o' } },
    { min: 1, max: 1, names: 'a study name' },
  );
  if (values['help']) {
    io.out.write(EXPORT_HELP);
    return 0;
  }
  const format = choiceFlag('export', 'format', values['format'], ['csv', 'json'] as const, 'csv');
  const text = await withStudy('export', positionals[0] as string, values['storage'], io, async (storage, study) => {
    const table = exportTrials(await allTrialsOf(storage, study.id), study.directions);
    return format === 'csv' ? exportCsv(table) : exportJson(table);
  });
  if (typeof values['output'] === 'string') {
    const file = resolve(io.cwd, values['output']);
    writeFileSync(file, text);
    println(io.err, `wrote ${file}`);
  } else {
    io.out.write(text);
  }
  return 0;
}
