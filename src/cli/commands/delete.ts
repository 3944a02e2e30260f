import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { sqlitePath } from '../../storage/url.js';
import { parseCommandArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { storageUrlFor } from '../open-study-storage.js';
import { withStudy } from './trials.js';

export const DELETE_HELP = `usage: sodate delete <study> [--storage URL]

Delete a study and all its trials. A default study file (studies/<study>.db) left
holding no study is removed too.
`;

export async function deleteCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs('delete', argv, { storage: { type: 'string' } }, { min: 1, max: 1, names: 'a study name' });
  if (values['help']) {
    io.out.write(DELETE_HELP);
    return 0;
  }
  const name = positionals[0] as string;
  const remaining = await withStudy('delete', name, values['storage'], io, async (storage, study) => {
    const counts = await storage.countTrials(study.id);
    await storage.deleteStudy(study.id);
    println(io.out, `deleted study ${name} (${Object.values(counts).reduce((a, b) => a + b, 0)} trials) from ${storage.url}`);
    return (await storage.listStudies()).length;
  });
  if (remaining === 0 && values['storage'] === undefined) {
    const file = resolve(io.cwd, sqlitePath(storageUrlFor(name, undefined)) as string);
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
  return 0;
}
