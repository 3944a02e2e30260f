import { csvText } from '../../analysis/export.js';
import { NotFoundError } from '../../errors.js';
import { hasConstraints, isFeasible } from '../../multi-objective/constraints.js';
import type { FrozenTrial, StudyRecord } from '../../storage/records.js';
import type { Storage } from '../../storage/storage.js';
import { checkStudyName } from '../../storage/url.js';
import { choiceFlag, parseCommandArgs } from '../args.js';
import { durationSeconds, formatNumber, formatParam, formatSeconds, renderCsv, renderTable, trialToJson } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { metricNames } from '../objective-names.js';
import { existingStorageUrlFor, openExistingStorage } from '../open-study-storage.js';
import { DEVICE_ATTR, SLOT_ATTR } from '../../storage/metadata.js';
import { stagedStudyHint } from '../../study/stage-lineage.js';

export const TRIALS_HELP = `usage: sodate trials <study> [--storage URL] [--format table|json|csv] [--state S]

Every trial of a study: number, state, value, duration and parameters, to read. A parameter
named like one of those columns (value, state, ...) is headed params_<name>, so every column
name is unique. CSV spells values as \`sodate export\` does (duration_s in seconds, inf,
-inf, NaN, feasible true/false); for analysis (pandas), use \`sodate export\`.
`;

/**
 * The column name of each parameter: its own, or `params_<name>` (as `sodate export` names
 * every parameter) where that is already a column, so a CSV reader keyed by header never
 * reads a parameter in place of the trial's value, state or number.
 */
function paramHeaders(fixed: readonly string[], names: readonly string[]): string[] {
  const taken = new Set([...fixed, ...names]);
  return names.map((name) => {
    if (!fixed.includes(name)) return name;
    let header = `params_${name}`;
    while (taken.has(header)) header = `params_${header}`;
    taken.add(header);
    return header;
  });
}

/** Open the study's storage, run `use`, close. Shared by the read-only commands. */
export async function withStudy<T>(command: string, name: string, storageFlag: string | boolean | undefined, io: CliIo, use: (storage: Storage, study: StudyRecord) => Promise<T>): Promise<T> {
  checkStudyName(name);
  const url = existingStorageUrlFor(name, storageFlag, io);
  const storage = await openExistingStorage(url, io, `sodate ${command} ${name}`);
  try {
    const study = await storage.loadStudy(name);
    if (study === null) {
      const staged = await stagedStudyHint(storage, name);
      throw new NotFoundError(`sodate ${command}: ${staged ?? `no study named "${name}" in ${storage.url}; list studies with \`sodate studies\``}`);
    }
    return await use(storage, study);
  } finally {
    await storage.close();
  }
}

export async function allTrialsOf(storage: Storage, studyId: number): Promise<FrozenTrial[]> {
  return (await storage.trialsSince(studyId, { lastTrialId: 0, openTrialIds: [] })).trials;
}

export async function trialsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'trials',
    argv,
    { storage: { type: 'string' }, format: { type: 'string' }, state: { type: 'string' } },
    { min: 1, max: 1, names: 'a study name' },
  );
  if (values['help']) {
    io.out.write(TRIALS_HELP);
    return 0;
  }
  const format = choiceFlag('trials', 'format', values['format'], ['table', 'json', 'csv'] as const, 'table');
  const state = values['state'] === undefined ? undefined : choiceFlag('trials', 'state', typeof values['state'] === 'string' ? values['state'].toUpperCase() : values['state'], ['RUNNING', 'WAITING', 'COMPLETE', 'PRUNED', 'FAIL'] as const, 'COMPLETE');
  return withStudy('trials', positionals[0] as string, values['storage'], io, async (storage, study) => {
    let trials = await allTrialsOf(storage, study.id);
    if (state !== undefined) trials = trials.filter((t) => t.state === state);
    const names = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
    if (format === 'json') {
      println(io.out, JSON.stringify(trials.map(trialToJson), null, 2));
      return 0;
    }
    // Where each trial ran (slot and device), shown once any trial of the study has it.
    const placed = trials.some((t) => typeof t.systemAttrs[SLOT_ATTR] === 'string');
    const where = (t: (typeof trials)[number]) => (placed ? [String(t.systemAttrs[DEVICE_ATTR] ?? (format === 'csv' ? '' : '-')), String(t.systemAttrs[SLOT_ATTR] ?? (format === 'csv' ? '' : '-'))] : []);
    // One column per objective (named by its metric when there are several), and feasibility once any trial has constraints.
    // CSV spells each value as `sodate export` does (csvText); the table is for reading.
    const csv = format === 'csv';
    const objectives = study.directions.length;
    const valueHeader = objectives === 1 ? ['value'] : metricNames(study.userAttrs, objectives);
    const constrained = hasConstraints(trials);
    const fixed = ['number', 'state', ...valueHeader, ...(constrained ? ['feasible'] : []), csv ? 'duration_s' : 'duration', ...(placed ? ['device', 'slot'] : [])];
    const header = [...fixed, ...paramHeaders(fixed, names)];
    const feasible = (t: FrozenTrial): string => (t.state !== 'COMPLETE' ? (csv ? '' : '-') : csv ? csvText(isFeasible(t)) : isFeasible(t) ? 'yes' : 'no');
    const rows = trials.map((t) => [
      String(t.number),
      t.state,
      ...valueHeader.map((_, i) => (csv ? csvText(t.values?.[i]) : formatNumber(t.values?.[i]))),
      ...(constrained ? [feasible(t)] : []),
      csv ? csvText(durationSeconds(t)) : formatSeconds(durationSeconds(t)),
      ...where(t),
      ...names.map((n) => (n in t.params ? (csv ? csvText(t.params[n]) : formatParam(t.params[n] ?? null)) : csv ? '' : '-')),
    ]);
    println(io.out, format === 'csv' ? renderCsv(header, rows) : renderTable(header, rows));
    return 0;
  });
}
