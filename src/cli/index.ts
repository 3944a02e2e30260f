import { isSodateError, UsageError } from '../errors.js';
import type { CliIo } from './io.js';
import { processIo } from './io.js';

export type { CliIo } from './io.js';

type CommandRun = (argv: readonly string[], io: CliIo) => Promise<number>;

/**
 * Each command's module is loaded only when that command runs, so `sodate best` does not pay
 * for the dashboard's React or the trainer's TensorFlow.js at start-up.
 */
const COMMANDS: Record<string, { load: () => Promise<CommandRun>; summary: string }> = {
  tune: { load: async () => (await import('./commands/tune.js')).tuneCommand, summary: 'run or resume the study a space file describes' },
  studies: { load: async () => (await import('./commands/studies.js')).studiesCommand, summary: 'list studies' },
  trials: { load: async () => (await import('./commands/trials.js')).trialsCommand, summary: "list a study's trials (table, json or csv)" },
  dashboard: { load: async () => (await import('./commands/dashboard.js')).dashboardCommand, summary: 'follow a study live in the terminal (read-only, from anywhere)' },
  best: { load: async () => (await import('./commands/best.js')).bestCommand, summary: 'show the best trial of a study' },
  delete: { load: async () => (await import('./commands/delete.js')).deleteCommand, summary: 'delete a study' },
  worker: { load: async () => (await import('./commands/worker.js')).workerCommand, summary: 'join a running study: run its trials on this machine' },
  logs: { load: async () => (await import('./commands/logs.js')).logsCommand, summary: 'print what a trial printed' },
  importance: { load: async () => (await import('./commands/importance.js')).importanceCommand, summary: 'show which parameters mattered (PED-ANOVA or fANOVA)' },
  report: { load: async () => (await import('./commands/report.js')).reportCommand, summary: 'write a self-contained HTML report with plots (and PNG/SVG files)' },
  export: { load: async () => (await import('./commands/export.js')).exportCommand, summary: 'export one row per trial as CSV or JSON' },
  compare: { load: async () => (await import('./commands/compare.js')).compareCommand, summary: 'compare studies side by side (A/B, seeds)' },
  confirm: { load: async () => (await import('./commands/confirm.js')).confirmCommand, summary: 're-run the top configurations with new seeds and rank them by mean' },
  ablate: { load: async () => (await import('./commands/ablate.js')).ablateCommand, summary: 'which changes from the baseline to the best trial helped (re-run, with intervals)' },
  artifacts: { load: async () => (await import('./commands/artifacts.js')).artifactsCommand, summary: "list a study's trial files, or copy the best trial's" },
};

export const HELP = `sodate (育て) — hyperparameter search and tuning

usage: sodate <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`)
  .join('\n')}

Run \`sodate <command> --help\` for a command's options.
`;

/**
 * The `sodate` command. Returns the exit code: 0 ok, 2 bad input (flags, space files),
 * 1 a runtime failure. Known errors print one line; only bugs print a stack.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out.write(HELP);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      const { readFileSync } = await import('node:fs');
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      io.out.write(`${pkg.version}\n`);
      return 0;
    }
    const command = COMMANDS[name];
    if (command === undefined) throw new UsageError(`unknown command "${name}"; use one of: ${Object.keys(COMMANDS).join(', ')}`);
    const run = await command.load();
    return await run(rest, io);
  } catch (error) {
    if (isSodateError(error)) {
      // A message that names its command (`sodate tune: …`) already says where it came from.
      io.err.write(`${error.message.startsWith('sodate ') ? '' : 'sodate: '}${error.message}\n`);
      return error.exitCode;
    }
    io.err.write(`sodate: internal error (please report): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
