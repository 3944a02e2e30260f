import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bestCompleteTrial } from '../../multi-objective/best.js';
import type { StudySummary } from '../../storage/records.js';
import { START_CURSOR } from '../../storage/records.js';
import { openStorage } from '../../storage/url.js';
import { choiceFlag, parseCommandArgs } from '../args.js';
import { formatNumber, renderTable } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';

export const STUDIES_HELP = `usage: sodate studies [--storage URL] [--format table|json]

List studies: those in --storage, else every studies/*.db file here.
`;

export async function studiesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('studies', argv, { storage: { type: 'string' }, format: { type: 'string' } }, { min: 0, max: 0, names: 'no arguments' });
  if (values['help']) {
    io.out.write(STUDIES_HELP);
    return 0;
  }
  const format = choiceFlag('studies', 'format', values['format'], ['table', 'json'] as const, 'table');
  const urls: string[] = [];
  if (typeof values['storage'] === 'string') urls.push(values['storage']);
  else {
    const dir = resolve(io.cwd, 'studies');
    if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (f.endsWith('.db')) urls.push(`sqlite:${join('studies', f)}`);
  }
  const rows: { url: string; summary: StudySummary }[] = [];
  for (const url of urls) {
    const storage = await openStorage(url);
    try {
      for (const summary of await storage.listStudies()) {
        // The stores' summaries rank every COMPLETE tuning trial without reading constraints: a
        // study whose trials carry some (with or without a study-level limit) has its feasible best read from them.
        const record = summary.directions.length > 1 || !summary.constrained ? null : await storage.loadStudy(summary.name);
        // The storage's own URL: a PostgreSQL password given in --storage is not printed.
        if (record === null) rows.push({ url: storage.url, summary });
        else rows.push({ url: storage.url, summary: { ...summary, bestValue: bestCompleteTrial((await storage.trialsSince(record.id, START_CURSOR)).trials, summary.direction)?.values?.[0] ?? null } });
      }
    } finally {
      await storage.close();
    }
  }
  if (format === 'json') {
    println(
      io.out,
      JSON.stringify(
        rows.map(({ url, summary: s }) => ({
          name: s.name,
          direction: s.direction,
          directions: s.directions,
          trials: s.nTrials,
          counts: s.counts,
          // Several objectives have a front, not one best value: `sodate best` prints it.
          best_value: s.directions.length > 1 ? null : s.bestValue,
          started: s.datetimeStart?.toISOString() ?? null,
          storage: url,
        })),
        null,
        2,
      ),
    );
    return 0;
  }
  if (rows.length === 0) {
    println(io.out, typeof values['storage'] === 'string' ? `no studies in ${values['storage']}` : 'no studies in studies/; start one with `sodate tune search-spaces/quickstart.yaml`');
    return 0;
  }
  const table = rows.map(({ url, summary: s }) => [
    s.name,
    s.directions.join(', '),
    String(s.nTrials),
    String(s.counts.COMPLETE),
    String(s.counts.PRUNED),
    String(s.counts.FAIL),
    String(s.counts.RUNNING),
    s.directions.length > 1 ? '(front: see best)' : formatNumber(s.bestValue),
    s.datetimeStart?.toISOString().slice(0, 19).replace('T', ' ') ?? '-',
    url,
  ]);
  println(io.out, renderTable(['study', 'direction', 'trials', 'complete', 'pruned', 'failed', 'running', 'best', 'started (UTC)', 'storage'], table));
  return 0;
}
