import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { trialArtifactDirOf } from '../../artifacts/index.js';
import { defaultLogDir } from '../../run/trial-log.js';
import type { FrozenTrial } from '../../storage/records.js';
import { sqlitePath } from '../../storage/url.js';
import { parseCommandArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { storageUrlFor } from '../open-study-storage.js';
import { allTrialsOf, withStudy } from './trials.js';

export const DELETE_HELP = `usage: sodate delete <study> [--storage URL] [--keep-files]

Delete a study and all its trials, with the trial directories its trials recorded
(artifacts/<study>/<trial>/) and their logs in the default log folder (logs/<study>/
next to the SQLite file) on this machine. A default study file (studies/<study>.db) left
holding no study is removed too. --keep-files leaves the directories and logs on disk.
`;

/**
 * Removes the trial directories a study's trials recorded, each only where it has the
 * `<root>/<study>/<number>` shape sodate gives them (a hand-edited attribute naming any
 * other folder is left alone), then `<root>/<study>` when nothing else is in it.
 */
function removeTrialDirectories(study: string, trials: readonly FrozenTrial[]): number {
  let removed = 0;
  const parents = new Set<string>();
  for (const trial of trials) {
    const dir = trialArtifactDirOf(trial);
    if (dir === undefined || basename(dir) !== String(trial.number) || basename(dirname(dir)) !== study) continue;
    rmSync(dir, { recursive: true, force: true });
    parents.add(dirname(dir));
    removed++;
  }
  for (const parent of parents) removeIfEmpty(parent);
  return removed;
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Already gone, or not ours to read: nothing to tidy.
  }
}

/** `<logs>/<study>/<number>.log` and a command trial's `<number>.params.json`, then the folder when it is empty. */
function removeTrialLogs(logDir: string, study: string, trials: readonly FrozenTrial[]): void {
  const folder = resolve(logDir, study);
  for (const trial of trials) {
    for (const suffix of ['.log', '.params.json']) rmSync(resolve(folder, `${trial.number}${suffix}`), { force: true });
  }
  removeIfEmpty(folder);
}

export async function deleteCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs('delete', argv, { storage: { type: 'string' }, 'keep-files': { type: 'boolean' } }, { min: 1, max: 1, names: 'a study name' });
  if (values['help']) {
    io.out.write(DELETE_HELP);
    return 0;
  }
  const name = positionals[0] as string;
  const remaining = await withStudy('delete', name, values['storage'], io, async (storage, study) => {
    const trials = await allTrialsOf(storage, study.id);
    await storage.deleteStudy(study.id);
    // Files go after the rows: a crash in between leaves files without a study, never a study without its files.
    let files = '';
    if (values['keep-files'] !== true) {
      const dirs = removeTrialDirectories(name, trials);
      removeTrialLogs(defaultLogDir(storage.url, io.cwd), name, trials);
      if (dirs > 0) files = `, and ${dirs} trial director${dirs === 1 ? 'y' : 'ies'}`;
    }
    println(io.out, `deleted study ${name} (${trials.length} trials${files}) from ${storage.url}`);
    return (await storage.listStudies()).length;
  });
  if (remaining === 0 && values['storage'] === undefined) {
    const file = resolve(io.cwd, sqlitePath(storageUrlFor(name, undefined)) as string);
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
  return 0;
}
