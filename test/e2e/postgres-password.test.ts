import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import type { ScratchDatabase } from '../storage/postgres/pg-helpers.js';
import { postgresMissing, scratchDatabase } from '../storage/postgres/pg-helpers.js';
import { runCli, tempProject } from '../helpers/cli.js';

const missing = await postgresMissing();
if (missing !== null) console.warn(`skipping the PostgreSQL password e2e test: ${missing}`);

describe.skipIf(missing !== null)('a PostgreSQL password given in --storage', () => {
  let db: ScratchDatabase;
  let url: string;

  beforeAll(async () => {
    db = await scratchDatabase();
    // The local server trusts every login: any password connects, so one can be given and looked for.
    const withPassword = new URL(db.url);
    withPassword.password = 's3cret';
    url = withPassword.toString();
    const storage = await PostgresStorage.open(db.url);
    await storage.createStudy({ name: 'shared', direction: 'minimize' });
    await storage.close();
  }, 60_000);
  afterAll(async () => {
    await db.drop();
  }, 60_000);

  it('is never printed: not in the studies listing nor in any command refusing an unknown study', async () => {
    const dir = tempProject();
    const runs = await Promise.all([
      runCli(['studies', '--storage', url], dir),
      runCli(['studies', '--storage', url, '--format', 'json'], dir),
      ...['best', 'trials', 'report', 'worker', 'confirm', 'ablate', 'importance', 'export', 'delete'].map((command) => runCli([command, 'nope', '--storage', url], dir)),
      runCli(['logs', 'nope', '0', '--storage', url], dir),
    ]);
    expect(runs[0]?.stdout).toContain('shared');
    expect(runs[0]?.stdout).toContain(':***@');
    for (const run of runs) expect(`${run.stdout}${run.stderr}`).not.toContain('s3cret');
    for (const run of runs.slice(2)) expect(run.stderr, run.stderr).toMatch(/no (staged )?study named "nope" in postgresql:\/\/postgres:\*\*\*@/);
  }, 120_000);
});
