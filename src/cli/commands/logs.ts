import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { foreignOwner, ownerOf } from '../../artifacts/owner.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { defaultLogDir, trialLogPath } from '../../run/trial-log.js';
import { parseCommandArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { storageUrlFor } from '../open-study-storage.js';
import { allTrialsOf, withStudy } from './trials.js';
import { LOG_TAIL_ATTR } from '../../storage/metadata.js';

export const LOGS_HELP = `usage: sodate logs <study> <trial> [--storage URL] [--log-dir DIR]

Print what a trial printed (a command's output other than its JSON metric lines, a
thread or process slot's stdout and stderr): the log file when it is on this machine, else the
last 4 KB kept in the study.
`;

export async function logsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs('logs', argv, { storage: { type: 'string' }, 'log-dir': { type: 'string' } }, { min: 2, max: 2, names: 'a study name and a trial number' });
  if (values['help']) {
    io.out.write(LOGS_HELP);
    return 0;
  }
  const [name, numberText] = positionals as [string, string];
  if (!/^\d+$/.test(numberText)) throw new UsageError(`sodate logs: the trial must be a trial number such as 3, got ${JSON.stringify(numberText)}`);
  const number = Number(numberText);
  return withStudy('logs', name, values['storage'], io, async (storage, study) => {
    const trial = (await allTrialsOf(storage, study.id)).find((t) => t.number === number);
    if (trial === undefined) throw new NotFoundError(`sodate logs: study "${name}" has no trial ${number}; see \`sodate trials ${name}\``);
    const logDir = typeof values['log-dir'] === 'string' ? resolve(io.cwd, values['log-dir']) : defaultLogDir(storageUrlFor(name, values['storage']), io.cwd);
    const file = trialLogPath(logDir, name, number);
    // A folder another study of this name claimed holds its logs, not this one's.
    const foreign = foreignOwner(dirname(file), ownerOf(study, storage.url));
    if (foreign !== undefined) io.err.write(`(${dirname(file)} ${foreign}, not to this study)\n`);
    if (foreign === undefined && existsSync(file)) {
      io.out.write(readFileSync(file, 'utf8'));
      return 0;
    }
    const tail = trial.systemAttrs[LOG_TAIL_ATTR];
    if (typeof tail === 'string') {
      io.err.write(`(${foreign === undefined ? `${file} is not on this machine; ` : ''}showing the last ${tail.length} characters kept in the study)\n`);
      io.out.write(tail);
      return 0;
    }
    io.err.write(`trial ${number} of ${name} printed nothing\n`);
    return 0;
  });
}
