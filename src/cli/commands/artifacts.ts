import { resolve } from 'node:path';
import { CHANGED_SINCE_RECORDED, copyEntries, copyTargetFor } from '../../artifacts/copy.js';
import type { ArtifactEntry } from '../../artifacts/listing.js';
import { artifactEntries, remoteArtifactEntries } from '../../artifacts/listing.js';
import { OwnerCheck, ownerOf } from '../../artifacts/owner.js';
import type { RemoteArtifactStore } from '../../artifacts/remote.js';
import { artifactsUploaded, remoteRecordOf } from '../../artifacts/remote.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { paretoFront } from '../../multi-objective/front.js';
import type { FrozenTrial } from '../../storage/records.js';
import { isRerun } from '../../storage/records.js';
import { choiceFlag, parseCommandArgs } from '../args.js';
import { renderTable } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { allTrialsOf, withStudy } from './trials.js';

export const ARTIFACTS_HELP = `usage: sodate artifacts <study> [<trial>|best] [--storage URL] [--format table|json]
       sodate artifacts <study> best --copy-to DIR

The files trials left in their directories (SODATE_TRIAL_DIR, trial.artifactDir), as
recorded when each trial ended: trial, name, size, sha256 and status (present: a file
of the recorded size where it was recorded; deleted by retention, artifacts.keep /
keepFailed; missing: gone, resized, or its folder now belongs to another study). Files
uploaded to S3 (artifacts.url) are looked up there, and --copy-to downloads them; files
waiting for their upload are listed at their local staging path. The credentials come
from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and AWS_ENDPOINT_URL_S3 overrides the
endpoint the trial recorded.

  <trial>          one trial's files (a number), or best: the best trial's (with several
                   objectives, every trial on the Pareto front)
  --copy-to DIR    copy the selected trial's present files into DIR (the front's each
                   into DIR/<trial>/); links are never followed, and a file whose sha256
                   is not the recorded one is not copied
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
    // The best tuning trial, as `sodate best` names it: a re-run by confirm or ablate never is.
    const front = paretoFront(trials.filter((t) => !isRerun(t)), study.directions);
    if (front.length === 0) throw new NotFoundError(`sodate artifacts: study "${study.name}" has no feasible complete tuning trial yet`);
    return study.directions.length > 1 ? front : front.slice(0, 1);
  }
  if (!/^\d+$/.test(which)) throw new UsageError(`sodate artifacts: expected a trial number or best, got ${JSON.stringify(which)}; see \`sodate artifacts --help\``);
  const trial = trials.find((t) => t.number === Number(which));
  if (trial === undefined) throw new NotFoundError(`sodate artifacts: study "${study.name}" has no trial ${which}`);
  return [trial];
}

/** The one line `--copy-to` fails with when no selected file is present: which trials, how many files and why, where to look. */
function nothingToCopy(study: string, which: string, trials: readonly number[], skipped: readonly ArtifactEntry[]): string {
  const named = `trial${trials.length > 1 ? 's' : ''} ${trials.join(', ')} of study ${study}`;
  if (skipped.length === 0) return `sodate artifacts: no file of ${named} is present to copy (none was recorded)`;
  const byStatus = new Map<string, number>();
  for (const e of skipped) {
    const status = e.why === CHANGED_SINCE_RECORDED ? 'changed' : e.status;
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
  const why = [...byStatus].map(([status, n]) => `${n} ${status}`).join(', ');
  return `sodate artifacts: no file of ${named} is present to copy (${why}); \`sodate artifacts ${study} ${which}\` lists each file's status`;
}

/** One store per recorded bucket, endpoint and region, opened on first use (the AWS SDK is loaded only then). */
class Stores {
  private readonly open = new Map<string, Promise<RemoteArtifactStore>>();

  /** `owners`: the study listed, so that files in a folder another study claims are never listed as its. */
  constructor(private readonly owners: OwnerCheck) {}

  async entries(trial: FrozenTrial): Promise<{ entries: ArtifactEntry[]; store: RemoteArtifactStore | undefined }> {
    const record = remoteRecordOf(trial);
    const local = artifactEntries(trial, this.owners);
    if (record === undefined || !artifactsUploaded(trial) || local.every((e) => e.status !== 'uploaded')) return { entries: local, store: undefined };
    const id = JSON.stringify([record.url.replace(/^s3:\/\/([^/]+).*$/, '$1'), record.endpoint, record.region]);
    let store = this.open.get(id);
    if (store === undefined) {
      store = import('../../artifacts/open.js').then((m) => m.openStoreFor(record));
      this.open.set(id, store);
    }
    const opened = await store;
    return { entries: await remoteArtifactEntries(trial, opened, this.owners), store: opened };
  }

  async close(): Promise<void> {
    for (const store of this.open.values()) (await store.catch(() => undefined))?.close();
  }
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
  let stores: Stores | undefined;
  try {
    return await withStudy('artifacts', positionals[0] as string, values['storage'], io, async (storage, study) => {
      stores = new Stores(new OwnerCheck(ownerOf(study, storage.url)));
      const trials = selectTrials(study, await allTrialsOf(storage, study.id), positionals[1]);
      if (typeof copyTo === 'string') {
        const target = resolve(io.cwd, copyTo);
        const copies: { trial: FrozenTrial; into: string; copied: ArtifactEntry[]; skipped: ArtifactEntry[] }[] = [];
        for (const trial of trials) {
          const into = copyTargetFor(target, trial, trials.length > 1);
          const { entries, store } = await stores.entries(trial);
          copies.push({ trial, into, ...(await copyEntries(entries, into, store)) });
        }
        // Nothing copied: one line says so (and why), not a "copied 0 file(s)" per trial besides.
        if (copies.every((c) => c.copied.length === 0)) throw new NotFoundError(nothingToCopy(study.name, positionals[1] as string, trials.map((t) => t.number), copies.flatMap((c) => c.skipped)));
        for (const { trial, into, copied, skipped } of copies) {
          for (const entry of skipped) io.err.write(`sodate artifacts: trial ${trial.number}: ${entry.name} ${entry.why ?? `is ${entry.status}`}; not copied\n`);
          if (copied.length > 0) println(io.out, `trial ${trial.number}: copied ${copied.length} file(s) to ${into}`);
        }
        return 0;
      }
      const entries: ArtifactEntry[] = [];
      for (const trial of trials) entries.push(...(await stores.entries(trial)).entries);
      if (format === 'json') {
        const rows = entries.map((e) => ({ trial: e.trial, state: e.state, name: e.name, size: e.size, sha256: e.sha256, status: e.status, path: e.path ?? null, url: e.url ?? null, ...(e.why === undefined ? {} : { why: e.why }) }));
        println(io.out, JSON.stringify(rows, null, 2));
        return 0;
      }
      // The table has no column for it: one line per folder says why its files are missing.
      for (const why of new Set(entries.flatMap((e) => (e.why === undefined ? [] : [e.why])))) {
        io.err.write(`sodate artifacts: ${why}, not to this study; its trials' files there are listed missing\n`);
      }
      if (entries.length === 0) {
        println(io.out, `no artifacts recorded for ${positionals[1] === undefined ? `study ${study.name}` : `trial ${trials.map((t) => t.number).join(', ')} of ${study.name}`}`);
        return 0;
      }
      // With an object store: where each file is, its object or (waiting for its upload) its local staging path.
      const remote = trials.some((t) => remoteRecordOf(t) !== undefined);
      const where = (e: ArtifactEntry) => e.url ?? (e.status === 'present' ? (e.path ?? '') : '');
      const rows = entries.map((e) => [String(e.trial), e.state, e.name, formatSize(e.size), e.sha256.slice(0, 12), e.status, ...(remote ? [where(e)] : [])]);
      println(io.out, renderTable(['trial', 'state', 'name', 'size', 'sha256', 'status', ...(remote ? ['location'] : [])], rows));
      return 0;
    });
  } finally {
    await stores?.close();
  }
}
