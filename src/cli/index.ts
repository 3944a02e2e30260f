import { isSodateError } from '../errors.js';
import { UsageError } from './args.js';
import { bestCommand } from './commands/best.js';
import { dashboardCommand } from './commands/dashboard.js';
import { deleteCommand } from './commands/delete.js';
import { logsCommand } from './commands/logs.js';
import { studiesCommand } from './commands/studies.js';
import { trialsCommand } from './commands/trials.js';
import { tuneCommand } from './commands/tune.js';
import { workerCommand } from './commands/worker.js';
import { compareCommand } from './commands/compare.js';
import { exportCommand } from './commands/export.js';
import { importanceCommand } from './commands/importance.js';
import { reportCommand } from './commands/report.js';
import type { CliIo } from './io.js';
import { processIo } from './io.js';

export type { CliIo } from './io.js';

const COMMANDS: Record<string, { run: (argv: readonly string[], io: CliIo) => Promise<number>; summary: string }> = {
  tune: { run: tuneCommand, summary: 'run or resume the study a space file describes' },
  studies: { run: studiesCommand, summary: 'list studies' },
  trials: { run: trialsCommand, summary: "list a study's trials (table, json or csv)" },
  dashboard: { run: dashboardCommand, summary: 'follow a study live in the terminal (read-only, from anywhere)' },
  best: { run: bestCommand, summary: 'show the best trial of a study' },
  delete: { run: deleteCommand, summary: 'delete a study' },
  worker: { run: workerCommand, summary: 'join a running study: run its trials on this machine' },
  logs: { run: logsCommand, summary: 'print what a trial printed' },
  importance: { run: importanceCommand, summary: 'show which parameters mattered (PED-ANOVA or fANOVA)' },
  report: { run: reportCommand, summary: 'write a self-contained HTML report with plots (and PNG/SVG files)' },
  export: { run: exportCommand, summary: 'export one row per trial as CSV or JSON' },
  compare: { run: compareCommand, summary: 'compare studies side by side (A/B, seeds)' },
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
    return await command.run(rest, io);
  } catch (error) {
    if (isSodateError(error)) {
      io.err.write(`sodate: ${error.message}\n`);
      return error.exitCode;
    }
    io.err.write(`sodate: internal error (please report): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
