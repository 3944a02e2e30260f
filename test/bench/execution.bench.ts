/**
 * Execution throughput: trials per second through the orchestrator for a no-op objective
 * on 1 and 2 thread slots and on process slots (the cost of the slot layer: dispatch, the
 * report channel, storage writes), and the efficiency of 2 slots on a CPU-bound objective
 * of ~200 ms: achieved trials/s ÷ (slots × 1/trial time). Target ≥ 0.95 with 2 slots on a
 * 2-core machine. Run with `npm run bench -- execution`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineSlots } from '../../src/run/inline-slots.js';
import type { ObjectiveRef } from '../../src/run/messages.js';
import { runOrchestrator } from '../../src/run/orchestrator.js';
import { ProcessSlots } from '../../src/run/process-slots.js';
import { CommandSlots } from '../../src/run/command-slots.js';
import type { Slot, SlotRunner } from '../../src/run/slots.js';
import { ThreadSlots } from '../../src/run/thread-slots.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { floatDistribution } from '../../src/space/distributions.js';
import { compileSearchSpace } from '../../src/space/search-space.js';
import { createStudy } from '../../src/study/create.js';

const BUSY_MS = 200;
const dir = mkdtempSync(join(tmpdir(), 'sodate-bench-exec-'));
const modulePath = join(dir, 'objectives.mjs');
writeFileSync(
  modulePath,
  `export function noop() { return 0; }
export async function reports(trial) { for (let s = 0; s < 3; s++) await trial.report(s, s); return 0; }
export function busy() { const end = performance.now() + ${BUSY_MS}; let x = 0; while (performance.now() < end) x++; return x > 0 ? 0 : 1; }
`,
);
writeFileSync(join(dir, 'noop.mjs'), 'console.log(JSON.stringify({ value: 0 }));\n');
const space = compileSearchSpace([{ name: 'x', distribution: floatDistribution(0, 1), when: null }]);
const ref = (exportName: string): ObjectiveRef => ({ kind: 'module', path: modulePath, exportName });
const slots = (n: number): Slot[] => Array.from({ length: n }, (_, i) => ({ name: `cpu#${i}`, device: 'cpu', gpu: null }));

/** Trials per second of `trials` trials, the slots already started (a warm-up study runs first). */
async function measure(make: () => SlotRunner, n: number, trials: number): Promise<number> {
  const runner = make();
  try {
    const run = async (count: number) => {
      const study = await createStudy({ storage: 'memory:', sampler: new RandomSampler({ seed: 0 }) });
      const started = performance.now();
      await runOrchestrator({
        study,
        space,
        runner,
        slots: slots(n),
        reporter: {},
        maxTrials: count,
        timeoutSeconds: undefined,
        signal: new AbortController().signal,
        info: { metric: 'value', samplerName: 'random', prunerName: 'none' },
      });
      const seconds = (performance.now() - started) / 1000;
      await study.close();
      return count / seconds;
    };
    await run(Math.min(10, trials));
    return await run(trials);
  } finally {
    await runner.close();
  }
}

const rows: string[][] = [];
const add = (what: string, slotCount: number, perSecond: number, note = '') => rows.push([what, String(slotCount), perSecond.toFixed(1), note]);

add('no-op, inline (no boundary)', 1, await measure(() => new InlineSlots(ref('noop')), 1, 500));
add('no-op, thread slots', 1, await measure(() => new ThreadSlots({ objective: ref('noop'), threads: 1 }), 1, 300));
add('no-op, thread slots', 2, await measure(() => new ThreadSlots({ objective: ref('noop'), threads: 2 }), 2, 300));
add('no-op, process slots', 1, await measure(() => new ProcessSlots({ objective: ref('noop') }), 1, 300));
add('no-op, process slots', 2, await measure(() => new ProcessSlots({ objective: ref('noop') }), 2, 300));
add('3 reports, thread slots', 2, await measure(() => new ThreadSlots({ objective: ref('reports'), threads: 2 }), 2, 300));
add('3 reports, process slots', 2, await measure(() => new ProcessSlots({ objective: ref('reports') }), 2, 300));
const command = () => new CommandSlots({ command: { argv: [process.execPath, join(dir, 'noop.mjs')], cwd: dir }, paramsFile: (t) => join(dir, 'params', `${t.number}.json`) });
add('no-op command (node, a process per trial)', 2, await measure(command, 2, 40));

const ideal = (n: number) => n * (1000 / BUSY_MS);
for (const [what, make] of [
  ['busy 200 ms, thread slots', () => new ThreadSlots({ objective: ref('busy'), threads: 2 })],
  ['busy 200 ms, process slots', () => new ProcessSlots({ objective: ref('busy') })],
] as const) {
  const perSecond = await measure(make, 2, 30);
  add(what, 2, perSecond, `efficiency ${(perSecond / ideal(2)).toFixed(3)} (ideal ${ideal(2).toFixed(1)}/s)`);
}

const header = ['objective and slots', 'slots', 'trials/s', 'note'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: readonly string[]) => cells.map((c, i) => (i === 2 || i === 1 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
console.log(`execution throughput (node ${process.version}, ${availableParallelism()} cores, memory storage, sampler random)`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
rmSync(dir, { recursive: true, force: true });
