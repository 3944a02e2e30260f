/**
 * One benchmark worker process: joins (or creates) the study, prints "ready", waits for a
 * line on stdin, then runs no-op trials (one float parameter, value = x²) until the study
 * holds TOTAL trials, and prints how many it ran.
 *
 * usage: node --import tsx sodate_worker.ts STORAGE_URL STUDY TOTAL
 */
import { createInterface } from 'node:readline';
import { RandomSampler } from '../../../src/samplers/random.js';
import { createStudy } from '../../../src/study/create.js';
import { openStorage } from '../../../src/storage/url.js';

const [url, name, totalText] = process.argv.slice(2);
if (url === undefined || name === undefined || totalText === undefined) {
  console.error('usage: sodate_worker.ts STORAGE_URL STUDY TOTAL');
  process.exit(2);
}
const total = Number(totalText);
const storage = await openStorage(url);
const study = await createStudy({ name, storage, loadIfExists: true, sampler: new RandomSampler({ seed: process.pid }) });
process.stdout.write('ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
let ran = 0;
for (;;) {
  const trial = await study.askWithin(total);
  if (trial === null) break;
  const x = trial.suggestFloat('x', -1, 1);
  await study.tell(trial, x * x);
  ran++;
}
await study.close();
await storage.close();
process.stdout.write(`${JSON.stringify({ ran })}\n`);
