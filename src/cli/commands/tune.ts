import { basename, extname } from 'node:path';
import { SodateError } from '../../errors.js';
import { loadModuleObjective } from '../../objectives/module-objective.js';
import type { Reporter, StopReason } from '../../run/reporter.js';
import { runTuneLoop } from '../../run/tune.js';
import { randomSeed } from '../../samplers/rng.js';
import type { StudyFile } from '../../space/study-file.js';
import { readStudyFile } from '../../space/study-file.js';
import { CachedStorage } from '../../storage/cached.js';
import { checkStudyName, openStorage } from '../../storage/url.js';
import { createStudy } from '../../study/create.js';
import type { Objective } from '../../study/optimize.js';
import type { Trial } from '../../study/trial.js';
import { UsageError, choiceFlag, integerFlag, parseCommandArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { buildPolicies, policyCatalog } from '../policies.js';
import { jsonLinesReporter } from '../reporters/json-lines.js';
import { plainLinesReporter } from '../reporters/plain-lines.js';
import { storageUrlFor } from '../open-study-storage.js';

export const TUNE_HELP = `usage: sodate tune <space.yaml> [options]

Run (or resume) the study a space file describes, until its budget is reached.

options:
  --storage URL     where the study lives (default: sqlite:studies/<study>.db)
  --study NAME      study name (default: the file's "study", else its file name)
  --trials N        the study's trial budget in all (overrides budget.trials)
  --timeout S       stop asking for new trials after S (90, 90s, 30m, 2h)
  --seed N          sampler seed (default: the file's, else the one stored with the study)
  --format F        plain (default) or json: one JSON object per event
  --no-tui          plain lines instead of the live dashboard
`;

class ObjectiveUnavailableError extends SodateError {
  constructor(message: string) {
    super('SODATE_OBJECTIVE_UNAVAILABLE', message, 2);
  }
}

async function loadObjective(file: StudyFile): Promise<Objective> {
  const spec = file.objective;
  if (spec.kind === 'module') return loadModuleObjective(spec.path, spec.exportName);
  if (spec.kind === 'command') {
    throw new ObjectiveUnavailableError(`${file.file}: command objectives are not available in this version of sodate; use objective.module for now`);
  }
  throw new ObjectiveUnavailableError(`${file.file}: the built-in objective "${spec.name}" is not available in this version of sodate; use objective.module for now`);
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
      format: { type: 'string' },
      'no-tui': { type: 'boolean' },
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
  const trials = integerFlag('tune', 'trials', values['trials'], 1) ?? file.budget.trials;
  const timeoutFlag = values['timeout'];
  let timeoutSeconds = file.budget.timeoutSeconds;
  if (typeof timeoutFlag === 'string') {
    const { parseDuration } = await import('../../space/study-file.js');
    timeoutSeconds = parseDuration(timeoutFlag);
    if (timeoutSeconds === undefined) throw new UsageError(`sodate tune: --timeout expects a duration such as 90, 90s, 30m or 2h, got ${JSON.stringify(timeoutFlag)}`);
  }
  const format = choiceFlag('tune', 'format', values['format'], ['plain', 'json'] as const, 'plain');
  const seedFlag = integerFlag('tune', 'seed', values['seed']);
  // Build the policies once before touching storage, so bad options create no study file.
  buildPolicies(file, seedFlag ?? file.seed ?? 0);
  const userObjective = await loadObjective(file);
  let running: Trial | null = null;
  const objective: Objective = async (trial) => {
    running = trial;
    try {
      return await userObjective(trial);
    } finally {
      running = null;
    }
  };

  const storage = new CachedStorage(await openStorage(storageUrlFor(name, values['storage'])));
  try {
    const existing = await storage.loadStudy(name);
    const storedSeed = existing?.systemAttrs['sodate:seed'];
    const seed = seedFlag ?? file.seed ?? (typeof storedSeed === 'number' ? storedSeed : randomSeed());
    const policies = buildPolicies(file, seed);
    const study = await createStudy({
      name,
      storage,
      direction: file.direction,
      loadIfExists: true,
      sampler: policies.sampler,
      pruner: policies.pruner,
      userAttrs: { metric: file.metric },
      systemAttrs: { 'sodate:seed': seed, 'sodate:space_file': path },
    });
    if (existing !== null && typeof storedSeed !== 'number') await study.setSystemAttr('sodate:seed', seed);

    const write = (line: string) => println(io.out, line);
    const reporter: Reporter = format === 'json' ? jsonLinesReporter(write) : plainLinesReporter(write);
    const stop = new AbortController();
    let interrupts = 0;
    const onInterrupt = () => {
      interrupts++;
      if (interrupts === 1) {
        stop.abort();
        reporter.notice?.('stopping after the running trial (Ctrl-C again to stop now)');
      } else {
        reporter.notice?.('stopped now; the running trial is recorded as failed');
        const trial = running as Trial | null;
        const told = trial === null ? Promise.resolve() : study.tell(trial, { state: 'fail', error: new Error('interrupted by the user') });
        void told.catch(() => undefined).finally(() => process.exit(130));
      }
    };
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onInterrupt);
    let reason: StopReason;
    try {
      reason = await runTuneLoop({
        study,
        space: file.space,
        objective,
        reporter,
        maxTrials: trials,
        timeoutSeconds,
        signal: stop.signal,
        info: { metric: file.metric, samplerName: policies.samplerName, prunerName: policies.prunerName },
      });
    } finally {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
    }
    return reason === 'interrupted' ? 130 : 0;
  } finally {
    await storage.close();
  }
}
