import { basename, extname, resolve } from 'node:path';
import { artifactRoot } from '../../artifacts/paths.js';
import { checkObjective, planRun } from '../../run/plan.js';
import type { Study } from '../../study/study.js';
import { defaultLogDir } from '../../run/trial-log.js';
import { parseDevicesFlag } from '../../run/devices.js';
import { ISOLATIONS, parseDuration, readStudyFile } from '../../study-file/study-file.js';
import { CachedStorage } from '../../storage/cached.js';
import { checkStudyName, openStorage } from '../../storage/url.js';
import type { ParsedArgs } from '../args.js';
import { choiceFlag, integerFlag, parseCommandArgs } from '../args.js';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../io.js';
import { println, stopWhenOutputCloses } from '../io.js';
import { formatNumber, renderTable } from '../format.js';
import { buildPolicies, policyCatalog } from '../../run/policies.js';
import { jsonLinesReporter } from '../reporters/json-lines.js';
import { plainLinesReporter } from '../reporters/plain-lines.js';
import { startDashboard } from '../../tui/index.js';
import { storageUrlFor } from '../open-study-storage.js';
import { runStages } from '../../run/stages.js';
import type { StagePresentation, StageResult } from '../../run/stages.js';
import type { StageRow } from '../../analysis/stages.js';
import { stageRowsOf } from '../../analysis/stages.js';
import { describeWarmStart } from '../../study/warm-start.js';
import { AutoSampler } from '../../samplers/auto.js';
import { GPSampler } from '../../samplers/gp/index.js';
import { executeStudy, openTuneSession } from '../../run/session.js';
import type { ExecutionSettings } from '../../run/session.js';

export const TUNE_HELP = `usage: sodate tune <space.yaml> [options]

Run (or resume) the study a space file describes, until its budget is reached. A file with
stages: runs them in order, each as its own study <study>.<stage>, resuming the first unfinished.

options:
  --storage URL        where the study lives (default: sqlite:studies/<study>.db)
  --study NAME         study name (default: the file's "study", else its file name)
  --trials N           the study's trial budget in all (overrides budget.trials)
  --timeout S          stop asking for new trials after S (90, 90s, 30m, 2h)
  --seed N             study seed: trial seeds derive from it, and the sampler's unless the
                       file's sampler gives one (default: the file's seed, else the study's)
  --devices D          auto (default: GPUs nvidia-smi finds, else the CPU), cpu, or GPU indices 0,1
  --per-device K       trials at once on each device (default: 1 per GPU, one per core on the CPU)
  --isolation I        thread, process or inline for module objectives (default: thread on the CPU,
                       process on GPUs); command objectives always run as processes
  --trial-timeout S    stop and fail a trial running longer than S (overrides budget.trialTimeout)
  --retries N          re-queue a trial whose worker died up to N times (overrides retries)
  --stale-after S      fail a trial whose process stopped beating for S (default 30s)
  --log-dir DIR        where trial logs go (default: logs/ next to the SQLite file)
  --artifact-dir DIR   where trial directories go, DIR/<study>/<trial>/ (default: the file's
                       artifacts.dir, else artifacts/ next to the SQLite file)
  --format F           plain (default) or json: one JSON object per event
  --no-tui             plain lines instead of the live dashboard

Ctrl-C once: no new trials, running ones finish. Twice: running ones are stopped and
recorded as failed (one resumed from a pause goes back to paused). Exit code 130 after an
interrupt. SIGTERM and SIGHUP (the terminal
closed) count as a Ctrl-C.
`;

/** Flags `tune` and `worker` share: where trials run and how they are kept alive. */
export const EXECUTION_FLAGS = {
  devices: { type: 'string' },
  'per-device': { type: 'string' },
  isolation: { type: 'string' },
  'trial-timeout': { type: 'string' },
  retries: { type: 'string' },
  'stale-after': { type: 'string' },
  'log-dir': { type: 'string' },
  'artifact-dir': { type: 'string' },
  format: { type: 'string' },
  'no-tui': { type: 'boolean' },
} as const;

export interface ExecutionFlags extends ExecutionSettings {
  readonly format: 'plain' | 'json';
}

function durationFlag(command: string, name: string, raw: string | boolean | undefined): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const seconds = parseDuration(raw);
  if (seconds === undefined) throw new UsageError(`sodate ${command}: --${name} expects a duration such as 90, 90s, 30m or 2h, got ${JSON.stringify(raw)}`);
  return seconds;
}

export function executionFlags(command: string, values: ParsedArgs['values'], cwd: string): ExecutionFlags {
  let devices;
  try {
    devices = typeof values['devices'] === 'string' ? parseDevicesFlag(values['devices']) : undefined;
  } catch (error) {
    throw new UsageError(`sodate ${command}: ${(error as Error).message}`);
  }
  const isolation = values['isolation'] === undefined ? undefined : choiceFlag(command, 'isolation', values['isolation'], ISOLATIONS, 'thread');
  return {
    devices,
    perDevice: integerFlag(command, 'per-device', values['per-device'], 1),
    isolation,
    trialTimeoutSeconds: durationFlag(command, 'trial-timeout', values['trial-timeout']),
    retries: integerFlag(command, 'retries', values['retries']),
    staleAfterSeconds: durationFlag(command, 'stale-after', values['stale-after']),
    logDir: typeof values['log-dir'] === 'string' ? resolve(cwd, values['log-dir']) : undefined,
    artifactDir: typeof values['artifact-dir'] === 'string' ? resolve(cwd, values['artifact-dir']) : undefined,
    format: choiceFlag(command, 'format', values['format'], ['plain', 'json'] as const, 'plain'),
  };
}

export async function tuneCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'tune',
    argv,
    {
      storage: { type: 'string' },
      study: { type: 'string' },
      trials: { type: 'string' },
      timeout: { type: 'string' },
      seed: { type: 'string' },
      ...EXECUTION_FLAGS,
    },
    { min: 1, max: 1, names: 'one space file' },
  );
  if (values['help']) {
    io.out.write(TUNE_HELP);
    return 0;
  }
  const path = positionals[0] as string;
  const file = readStudyFile(path, policyCatalog());
  const name = typeof values['study'] === 'string' ? values['study'] : (file.study ?? basename(path, extname(path)));
  checkStudyName(name);
  if (file.stages !== undefined && values['trials'] !== undefined) throw new UsageError(`sodate tune: --trials does not apply to a staged study; set each stage's trials under stages: in ${path}`);
  const trials = integerFlag('tune', 'trials', values['trials'], 1) ?? file.budget.trials;
  const timeoutSeconds = durationFlag('tune', 'timeout', values['timeout']) ?? file.budget.timeoutSeconds;
  const flags = executionFlags('tune', values, io.cwd);
  const format = flags.format;
  const seedFlag = integerFlag('tune', 'seed', values['seed']);
  // Build the policies and plan the slots once before touching storage, so bad options create no study file.
  buildPolicies(file, seedFlag ?? file.seed ?? 0);
  checkObjective(file);
  const storageUrl = storageUrlFor(name, values['storage']);
  const logDir = flags.logDir ?? defaultLogDir(storageUrl, io.cwd);
  const plan = planRun({ file, devices: flags.devices, perDevice: flags.perDevice, isolation: flags.isolation, logDir, staleAfterSeconds: flags.staleAfterSeconds });
  const trialTimeoutSeconds = flags.trialTimeoutSeconds ?? file.budget.trialTimeoutSeconds;
  const retries = flags.retries ?? file.retries;

  const storage = new CachedStorage(await openStorage(storageUrl));
  try {
    const write = (line: string) => println(io.out, line);
    const tui = values['no-tui'] !== true;
    if (file.stages !== undefined) {
      const stopAsking = stopWhenOutputCloses(io, 'tune');
      const outcome = await runStages({
        name,
        path,
        cwd: io.cwd,
        file,
        storage,
        storageUrl,
        plan,
        seed: seedFlag ?? file.seed,
        timeoutSeconds,
        execute: (options) => executeStudy({ ...options, stopAsking }),
        shared: { trialTimeoutSeconds, retries, staleAfterSeconds: flags.staleAfterSeconds, logDir, artifactDir: flags.artifactDir },
        present: (study) => presentRun(study, io, format, tui, () => stageRowsOf(storage, name, study.direction)),
        say: write,
      });
      if (outcome.done) write(stagesSummary(outcome.results, file.direction));
      return outcome.code;
    }
    const { study, policies, spaceChanges } = await openTuneSession({ name, path, cwd: io.cwd, file, storage, seedFlag, trials, trialTimeoutSeconds, retries });

    const { reporter, close } = presentRun(study, io, format, tui);
    const warmSummary = study.warmStartSummary;
    if (warmSummary !== undefined) reporter.notice?.(describeWarmStart(warmSummary));
    if (warmSummary !== undefined && warmSummary.used > 0 && (study.sampler instanceof AutoSampler || study.sampler instanceof GPSampler)) reporter.notice?.(study.sampler.describeWarmStart());
    if (study.warmStartLost !== undefined) reporter.notice?.(study.warmStartLost);
    if (spaceChanges !== undefined && spaceChanges.length > 0) {
      reporter.notice?.(`${path} changed since this study's last run: ${spaceChanges.join('; ')}. Its earlier trials keep their values and the sampler reads them; for a clean search, run it as another study (--study NAME)`);
    }
    try {
      return await executeStudy({
        study,
        plan,
        reporter,
        file,
        maxTrials: trials,
        timeoutSeconds,
        trialTimeoutSeconds,
        retries,
        staleAfterSeconds: flags.staleAfterSeconds,
        logDir,
        artifactDir: artifactRoot(flags.artifactDir, file.artifacts?.dir, storageUrl, io.cwd),
        samplerName: policies.samplerName,
        prunerName: policies.prunerName,
        stopAsking: stopWhenOutputCloses(io, 'tune'),
      });
    } finally {
      await close();
    }
  } finally {
    await storage.close();
  }
}

/**
 * How a run is shown: the live dashboard on a terminal (its `q` + yes is the first Ctrl-C:
 * no new trials, running ones finish), plain lines otherwise and if the dashboard fails,
 * JSON lines with --format json. `readStages` gives a staged study's dashboard its stages panel.
 */
function presentRun(study: Study, io: CliIo, format: 'plain' | 'json', tui: boolean, readStages?: () => Promise<StageRow[]>): StagePresentation {
  const write = (line: string) => println(io.out, line);
  if (format === 'json') return { reporter: jsonLinesReporter(write), close: async () => {} };
  const dashboard =
    tui && io.out.isTTY === true
      ? startDashboard({
          study,
          stdout: io.out as NodeJS.WriteStream,
          stdin: process.stdin,
          onStopRequest: () => process.kill(process.pid, 'SIGINT'),
          fallback: plainLinesReporter(write),
          ...(readStages === undefined ? {} : { readStages }),
        })
      : undefined;
  return { reporter: dashboard ?? plainLinesReporter(write), close: async () => dashboard?.close() };
}

/** The stages side by side: best per stage and its gain over the stage before. */
export function stagesSummary(results: readonly StageResult[], direction: 'minimize' | 'maximize'): string {
  const rows = results.map((r, i) => {
    const before = i === 0 ? undefined : results[i - 1]?.best?.value;
    const value = r.best?.value;
    const gain = before === undefined || value === undefined ? '-' : formatNumber(direction === 'minimize' ? before - value : value - before);
    return [String(i + 1), r.stage.name, r.study, String(r.trials), value === undefined ? '-' : formatNumber(value), r.best === undefined ? '-' : String(r.best.number), gain, r.stage.params.join(', ')];
  });
  return `stages:\n${renderTable(['stage', 'name', 'study', 'trials', 'best', 'trial', 'gain', 'opens'], rows)}`;
}
