import { dirname } from 'node:path';
import { artifactRoot } from '../../artifacts/paths.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { checkObjective, planRun } from '../../run/plan.js';
import type { Reporter } from '../../run/reporter.js';
import { defaultLogDir } from '../../run/trial-log.js';
import { parseStudyFile } from '../../study-file/study-file.js';
import { CachedStorage } from '../../storage/cached.js';
import { checkStudyName } from '../../storage/url.js';
import { integerFlag, parseCommandArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { println, stopWhenOutputCloses } from '../io.js';
import { openExistingStorage, storageUrlFor } from '../open-study-storage.js';
import { policyCatalog } from '../../run/policies.js';
import { jsonLinesReporter } from '../reporters/json-lines.js';
import { plainLinesReporter } from '../reporters/plain-lines.js';
import { EXECUTION_FLAGS, executionFlags } from './tune.js';
import { executeStudy, openWorkerSession, storedLimits } from '../../run/session.js';
import { STAGE_ATTR, storedConfig } from '../../storage/metadata.js';

export const WORKER_HELP = `usage: sodate worker <study> [--storage URL] [options]

Join a study that \`sodate tune\` started: run its trials on this process's slots until
the study's budget is reached. Several workers (and the tune process) share one SQLite
file on one machine, or one PostgreSQL database across machines; each trial number is
run once.

options:
  --storage URL        where the study lives (default: sqlite:studies/<study>.db)
  --seed N             study seed for this worker's sampler, unless the file's sampler
                       gives one (default: the study's)
  --devices D          auto, cpu or GPU indices 0,1 (default: the space file's)
  --per-device K       trials at once on each device
  --isolation I        thread, process or inline for module objectives
  --trial-timeout S    stop and fail a trial running longer than S
  --retries N          re-queue a trial whose worker died up to N times
  --stale-after S      fail a trial whose process stopped beating for S (default 30s)
  --log-dir DIR        where trial logs go (default: logs/ next to the SQLite file)
  --artifact-dir DIR   where trial directories go (default: the file's artifacts.dir, else
                       artifacts/ next to the SQLite file)
  --format F           plain (default) or json
  --no-tui             accepted as for tune; a worker always prints lines
`;

export async function workerCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs('worker', argv, { storage: { type: 'string' }, seed: { type: 'string' }, ...EXECUTION_FLAGS }, { min: 1, max: 1, names: 'a study name' });
  if (values['help']) {
    io.out.write(WORKER_HELP);
    return 0;
  }
  const name = positionals[0] as string;
  checkStudyName(name);
  const flags = executionFlags('worker', values, io.cwd);
  const seedFlag = integerFlag('worker', 'seed', values['seed']);
  const storageUrl = storageUrlFor(name, values['storage']);
  const storage = new CachedStorage(await openExistingStorage(storageUrl, io, `sodate worker ${name}`));
  try {
    const record = await storage.loadStudy(name);
    if (record === null) throw new NotFoundError(`sodate worker: no study named "${name}" in ${storage.url}; start it with \`sodate tune <space.yaml>\``);
    if (record.systemAttrs[STAGE_ATTR] !== undefined) {
      throw new UsageError(`sodate worker: study "${name}" is a stage of a staged study; stages run from one \`sodate tune <space.yaml>\` (joining them from other processes is not supported yet)`);
    }
    const config = storedConfig(record.systemAttrs);
    if (config === undefined) throw new UsageError(`sodate worker: study "${name}" was not started by \`sodate tune\` (it has no stored configuration); run \`sodate tune\` on its space file first`);
    // The stored text, read as if it still sat at its path: relative module paths resolve as they did for tune.
    const file = parseStudyFile(config.text, config.file, policyCatalog());
    checkObjective(file);
    const { study, policies } = await openWorkerSession({ name, storage, record, file, seedFlag });
    const logDir = flags.logDir ?? defaultLogDir(storageUrl, io.cwd);
    const plan = planRun({ file, devices: flags.devices, perDevice: flags.perDevice, isolation: flags.isolation, logDir, staleAfterSeconds: flags.staleAfterSeconds });
    const write = (line: string) => println(io.out, line);
    const reporter: Reporter = flags.format === 'json' ? jsonLinesReporter(write) : plainLinesReporter(write);
    reporter.notice?.(`worker for ${name} (space file ${config.file}, folder ${dirname(config.file)}): ${plan.slots.length} ${plan.kind} slot(s)`);
    if (study.warmStartLost !== undefined) reporter.notice?.(study.warmStartLost);
    return await executeStudy({
      study,
      plan,
      reporter,
      file,
      maxTrials: config.trials ?? undefined,
      timeoutSeconds: undefined,
      ...storedLimits(flags, config),
      logDir,
      artifactDir: artifactRoot(flags.artifactDir, file.artifacts?.dir, storageUrl, io.cwd),
      samplerName: policies.samplerName,
      prunerName: policies.prunerName,
      stopAsking: stopWhenOutputCloses(io, 'worker'),
    });
  } finally {
    await storage.close();
  }
}
