import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readStudyFile } from '../../study-file/study-file.js';
import { CachedStorage } from '../../storage/cached.js';
import type { StudyRecord } from '../../storage/records.js';
import { DevicePoller, attachDashboard, renderDashboardText } from '../../tui/index.js';
import { stageLineageOf } from '../../study/stage-lineage.js';
import { stageRowsOf } from '../../analysis/stages.js';
import { integerFlag, parseCommandArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { policyCatalog } from '../../run/policies.js';
import { withStudy } from './trials.js';
import { MAX_TRIALS_ATTR, SPACE_FILE_ATTR } from '../../storage/metadata.js';

export const DASHBOARD_HELP = `usage: sodate dashboard <study> [--storage URL] [--trials N] [--refresh S]

Follow a study live, read-only: from another terminal, or another machine that reaches
its storage, while it runs or after it finished. Each refresh reads only what changed.

keys: ↑/↓ select a trial · Enter details (params, curve, log tail, error) · s sort · q quit

options:
  --storage URL     where the study lives (default: sqlite:studies/<study>.db)
  --trials N        the budget to show progress against (default: the study's space file's)
  --refresh S       seconds between reads (default 1)

When stdout is not a terminal, prints one frame as text and exits.
`;

/** The budget to show: --trials, else the stored one, else the space file the study was tuned from, if it is here. */
function budgetOf(study: StudyRecord, flag: number | undefined, cwd: string): number | undefined {
  if (flag !== undefined) return flag;
  const stored = study.systemAttrs[MAX_TRIALS_ATTR];
  if (typeof stored === 'number') return stored;
  const file = study.systemAttrs[SPACE_FILE_ATTR];
  if (typeof file !== 'string' || !existsSync(resolve(cwd, file))) return undefined;
  try {
    return readStudyFile(resolve(cwd, file), policyCatalog()).budget.trials;
  } catch {
    return undefined;
  }
}

export async function dashboardCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'dashboard',
    argv,
    { storage: { type: 'string' }, trials: { type: 'string' }, refresh: { type: 'string' } },
    { min: 1, max: 1, names: 'a study name' },
  );
  if (values['help']) {
    io.out.write(DASHBOARD_HELP);
    return 0;
  }
  const trialsFlag = integerFlag('dashboard', 'trials', values['trials'], 1);
  const refreshSeconds = integerFlag('dashboard', 'refresh', values['refresh'], 1) ?? 1;
  return withStudy('dashboard', positionals[0] as string, values['storage'], io, async (storage, study) => {
    // withStudy closes the inner storage; the cache only adds incremental reads in front of it.
    const cached = new CachedStorage(storage);
    const maxTrials = budgetOf(study, trialsFlag, io.cwd);
    // A stage of a staged study: its stages side by side above the lists.
    const lineage = stageLineageOf(study);
    const readStages = lineage === undefined ? undefined : () => stageRowsOf(cached, lineage.of, study.direction);
    if (io.out.isTTY !== true) {
      const trials = await cached.allTrials(study.id);
      const device = await new DevicePoller().read().catch(() => null);
      io.out.write(renderDashboardText({ study, trials, maxTrials, device, stages: readStages === undefined ? undefined : await readStages() }));
      return 0;
    }
    await attachDashboard({ storage: cached, study, stdout: io.out as NodeJS.WriteStream, stdin: process.stdin, refreshMs: refreshSeconds * 1000, maxTrials, ...(readStages === undefined ? {} : { readStages }) });
    return 0;
  });
}
