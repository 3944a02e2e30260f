import { resolve } from 'node:path';
import type { ArtifactEntry } from '../../artifacts/listing.js';
import { artifactEntries, copyArtifacts, copyTargetFor } from '../../artifacts/listing.js';
import { NotFoundError } from '../../errors.js';
import { paretoFront } from '../../multi-objective/front.js';
import type { FrozenTrial } from '../../storage/records.js';
import { UsageError, choiceFlag, parseCommandArgs } from '../args.js';
import { renderTable } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { allTrialsOf, withStudy } from './trials.js';

export const ARTIFACTS_HELP = `usage: sodate artifacts <study> [<trial>|best] [--storage URL] [--format table|json]
       sodate artifacts <study> best --copy-to DIR

The files trials left in their directories (SODATE_TRIAL_DIR, trial.artifactDir), as
recorded when each trial ended: trial, name, size, sha256 and status (present; deleted
by retention, artifacts.keep / keepFailed; missing: gone or changed since).

  <trial>          one trial's files (a number), or best: the best trial's (with several
                   objectives, every trial on the Pareto front)
  --copy-to DIR    copy the selected trial's present files into DIR (the front's each
                   into DIR/<trial>/); links are never followed
  --format F       table (default) or json
  --storage URL    where the study lives (default: sqlite:studies/<study>.db)
`;

function formatSize(bytes: number): string {
  if (bytes < 0) return '?';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] as string}`;
}

function selectTrials(study: { name: string; directions: readonly ('minimize' | 'maximize')[] }, trials: readonly FrozenTrial[], which: string | undefined): FrozenTrial[] {
  if (which === undefined) return [...trials];
  if (which === 'best') {
    const front = paretoFront(trials, study.directions);
    if (front.length === 0) throw new NotFoundError(`sodate artifacts: study "${study.name}" has no feasible complete trial yet`);
    return study.directions.length > 1 ? front : front.slice(0, 1);
  }
  if (!/^\d+$/.test(which)) throw new UsageError(`sodate artifacts: expected a trial number or best, got ${JSON.stringify(which)}; see \`sodate artifacts --help\``);
  const trial = trials.find((t) => t.number === Number(which));
  if (trial === undefined) throw new NotFoundError(`sodate artifacts: study "${study.name}" has no trial ${which}`);
  return [trial];
}

export async function artifactsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'artifacts',
    argv,
    { storage: { type: 'string' }, format: { type: 'string' }, 'copy-to': { type: 'string' } },
    { min: 1, max: 2, names: 'a study name and optionally a trial number or best' },
  );
  if (values['help']) {
    io.out.write(ARTIFACTS_HELP);
    return 0;
  }
  const format = choiceFlag('artifacts', 'format', values['format'], ['table', 'json'] as const, 'table');
  const copyTo = values['copy-to'];
  if (copyTo === true || copyTo === '') throw new UsageError('sodate artifacts: --copy-to expects a directory');
  if (typeof copyTo === 'string' && positionals[1] === undefined) throw new UsageError('sodate artifacts: --copy-to needs a trial: a number or best (e.g. `sodate artifacts <study> best --copy-to DIR`)');
  return withStudy('artifacts', positionals[0] as string, values['storage'], io, async (storage, study) => {
    const trials = selectTrials(study, await allTrialsOf(storage, study.id), positionals[1]);
    if (typeof copyTo === 'string') {
      const target = resolve(io.cwd, copyTo);
      let copied = 0;
      for (const trial of trials) {
        const into = copyTargetFor(target, trial, trials.length > 1);
        const result = copyArtifacts(trial, into);
        copied += result.copied.length;
        for (const entry of result.skipped) io.err.write(`sodate artifacts: trial ${trial.number}: ${entry.name} is ${entry.status}; not copied\n`);
        println(io.out, `trial ${trial.number}: copied ${result.copied.length} file(s) to ${into}`);
      }
      if (copied === 0) throw new NotFoundError(`sodate artifacts: no file of trial${trials.length > 1 ? 's' : ''} ${trials.map((t) => t.number).join(', ')} is present to copy`);
      return 0;
    }
    const entries: ArtifactEntry[] = trials.flatMap(artifactEntries);
    if (format === 'json') {
      println(io.out, JSON.stringify(entries.map((e) => ({ trial: e.trial, state: e.state, name: e.name, size: e.size, sha256: e.sha256, status: e.status, path: e.path ?? null })), null, 2));
      return 0;
    }
    if (entries.length === 0) {
      println(io.out, `no artifacts recorded for ${positionals[1] === undefined ? `study ${study.name}` : `trial ${trials.map((t) => t.number).join(', ')} of ${study.name}`}`);
      return 0;
    }
    const rows = entries.map((e) => [String(e.trial), e.state, e.name, formatSize(e.size), e.sha256.slice(0, 12), e.status]);
    println(io.out, renderTable(['trial', 'state', 'name', 'size', 'sha256', 'status'], rows));
    return 0;
  });
}
