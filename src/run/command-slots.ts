import { mkdirSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { errorMessage } from '../errors.js';
import type { CommandSpec } from '../objectives/command-objective.js';
import { commandArgv, commandEnv, parseOutputLine } from '../objectives/command-objective.js';
import { DEFAULT_KILL_GRACE_SECONDS, describeDeath, keepTail, lastErrorLine, terminate } from './child-exit.js';
import { deviceEnv } from './devices.js';
import type { TrialTask } from './messages.js';
import type { RunningTrial, Slot, SlotRunner, StopWhy, TrialEnd, TrialMessageHandler } from './slots.js';
import { settleOnce } from './slots.js';

export interface CommandSlotsOptions {
  readonly command: CommandSpec;
  /** Where the trial's parameters JSON file goes. */
  readonly paramsFile: (task: TrialTask) => string;
  /** Seconds between SIGTERM and SIGKILL when a trial is pruned or stopped. Default 5. */
  readonly killGraceSeconds?: number;
}

/** Longest stdout line kept whole; longer output without a newline is passed on as log text. */
const MAX_LINE = 1 << 20;

/** Longest stdout line quoted whole in a message about it. */
const MAX_QUOTED_LINE = 200;

function clipLine(line: string): string {
  const text = line.trim();
  return text.length > MAX_QUOTED_LINE ? `${text.slice(0, MAX_QUOTED_LINE)}…` : text;
}

/**
 * Command trials: one process per trial, spawned without a shell in its own process
 * group, with the slot's CUDA_VISIBLE_DEVICES. JSON lines on stdout are metrics (see
 * `parseOutputLine`); everything else, stderr included, is the trial's log, where a metric
 * line with wrong content, or a part of one that is (a constraint that is not a number), gets
 * a note saying what is wrong. A pruned or
 * stopped command gets SIGTERM, then SIGKILL after the grace period; what it prints after
 * the stop is ignored.
 */
export class CommandSlots implements SlotRunner {
  readonly kind = 'command';
  private readonly options: CommandSlotsOptions;
  private readonly graceMs: number;
  private readonly live = new Set<ChildProcess>();

  constructor(options: CommandSlotsOptions) {
    this.options = options;
    this.graceMs = (options.killGraceSeconds ?? DEFAULT_KILL_GRACE_SECONDS) * 1000;
  }

  start(task: TrialTask, slot: Slot, handle: TrialMessageHandler): RunningTrial {
    const ended = settleOnce<TrialEnd>();
    const paramsFile = this.options.paramsFile(task);
    let stopped: StopWhy | undefined;
    let finalValue: number | readonly unknown[] | undefined;
    let reportedFolds = false;
    /** Why the trial fails whatever the command does next (a bad or refused fold line). */
    let lineError: string | undefined;
    /** What was wrong with the last line meant as the final value, the failure if no good one follows. */
    let malformedFinal: string | undefined;
    let lineNumber = 0;
    let chain: Promise<unknown> = Promise.resolve();
    let seq = 0;
    let child: ChildProcess;
    try {
      mkdirSync(dirname(paramsFile), { recursive: true });
      writeFileSync(paramsFile, `${JSON.stringify(task.params, null, 2)}\n`);
      const [program, ...args] = commandArgv(this.options.command, task, paramsFile);
      child = spawn(program as string, args, {
        cwd: this.options.command.cwd,
        env: { ...process.env, ...deviceEnv(slot), ...commandEnv(task, paramsFile) },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        shell: false,
      });
    } catch (error) {
      ended.resolve({ type: 'error', message: `cannot run the command: ${errorMessage(error)}`, code: 'SODATE_OBJECTIVE_LOAD' });
      return { ended: ended.promise, stop: () => undefined };
    }
    this.live.add(child);
    const stop = (why: StopWhy) => {
      if (ended.settled() || stopped !== undefined) return;
      stopped = why;
      terminate(child, this.graceMs);
    };
    const failOn = (message: string) => {
      lineError ??= message;
      void handle({ type: 'log', text: `sodate: ${message}\n` });
      stop('interrupted');
    };
    const onLine = (line: string) => {
      lineNumber++;
      const parsed = parseOutputLine(line);
      if (parsed.kind === 'log' || parsed.kind === 'malformed') {
        void handle({ type: 'log', text: `${line}\n` });
        if (parsed.kind === 'malformed' && stopped === undefined) {
          const message = `command printed ${clipLine(line)} (stdout line ${lineNumber}): ${parsed.message}`;
          if (parsed.final) malformedFinal = message;
          void handle({ type: 'log', text: `sodate: ${message}\n` });
        }
        return;
      }
      if (stopped !== undefined) return; // metrics after a stop are ignored
      if (parsed.kind !== 'invalid' && parsed.kind !== 'attrs') {
        // A line that counts though part of it was wrong: say what was made of that part.
        for (const note of parsed.notes ?? []) void handle({ type: 'log', text: `sodate: command printed ${clipLine(line)} (stdout line ${lineNumber}): ${note}\n` });
        for (const [key, value] of Object.entries(parsed.attrs ?? {})) void handle({ type: 'attr', key, value });
      }
      if (parsed.kind === 'invalid') {
        // After the folds printed before it are stored.
        const message = `stdout line ${lineNumber}: ${parsed.message}`;
        chain = chain.then(() => failOn(message));
        return;
      }
      if (parsed.kind === 'fold') {
        reportedFolds = true;
        const message = { type: 'fold' as const, seq: ++seq, fold: parsed.fold, value: parsed.value };
        const where = lineNumber;
        chain = chain.then(async () => {
          if (stopped !== undefined) return;
          try {
            const answer = await handle(message);
            if (answer?.type === 'stop') stop('pruned');
            else if (answer?.type === 'refused') failOn(`stdout line ${where}: ${answer.message}`);
          } catch (error) {
            failOn(`stdout line ${where}: fold ${parsed.fold} was not stored: ${errorMessage(error)}`);
          }
        });
        return;
      }
      if (parsed.kind === 'checkpoint') {
        // After the reports printed before it are stored: a checkpoint without a step holds the last of them.
        const message = { type: 'checkpoint' as const, path: parsed.path, ...(parsed.step === undefined ? {} : { step: parsed.step }) };
        chain = chain.then(() => {
          if (stopped === undefined) void handle(message);
        });
        return;
      }
      const constraints = parsed.kind === 'final' || parsed.kind === 'constraints' ? parsed.constraints : undefined;
      for (const [name, value] of Object.entries(constraints ?? {})) void handle({ type: 'constraint', name, value });
      if (parsed.kind === 'final') finalValue = parsed.value;
      else if (parsed.kind === 'constraints') return;
      else if (parsed.kind === 'attrs') for (const [key, value] of Object.entries(parsed.attrs)) void handle({ type: 'attr', key, value });
      else {
        const message = { type: 'report' as const, seq: ++seq, step: parsed.step, value: parsed.value, ...(parsed.values === undefined ? {} : { values: parsed.values }) };
        chain = chain.then(async () => {
          if (stopped !== undefined) return;
          try {
            const answer = await handle(message);
            if (answer?.type === 'stop') stop('pruned');
            else if (answer?.type === 'refused') void handle({ type: 'log', text: `sodate: report at step ${parsed.step} was refused: ${answer.message}\n` });
          } catch (error) {
            void handle({ type: 'log', text: `sodate: report at step ${parsed.step} was not stored: ${errorMessage(error)}\n` });
          }
        });
      }
    };
    let buffer = '';
    child.stdout?.on('data', (data: Buffer) => {
      buffer += data.toString();
      let at: number;
      while ((at = buffer.indexOf('\n')) >= 0) {
        onLine(buffer.slice(0, at).replace(/\r$/, ''));
        buffer = buffer.slice(at + 1);
      }
      if (buffer.length > MAX_LINE) {
        void handle({ type: 'log', text: buffer });
        buffer = '';
      }
    });
    // Its end says why a failed command failed (a traceback's last line); the log keeps all of it.
    let stderrTail = '';
    child.stderr?.on('data', (data: Buffer) => {
      const text = data.toString();
      stderrTail = keepTail(stderrTail, text);
      void handle({ type: 'log', text });
    });
    let spawnError: Error | undefined;
    child.on('error', (error) => (spawnError = error));
    child.on('close', (code, signal) => {
      this.live.delete(child);
      if (buffer.length > 0) onLine(buffer);
      buffer = '';
      void chain.then(() => {
        if (spawnError !== undefined && child.pid === undefined) {
          const argv0 = this.options.command.argv[0] ?? '';
          ended.resolve({ type: 'error', message: `cannot run the command ${JSON.stringify(argv0)}: ${spawnError.message}`, code: 'SODATE_OBJECTIVE_LOAD' });
        } else if (lineError !== undefined) ended.resolve({ type: 'error', message: lineError });
        else if (stopped !== undefined) ended.resolve({ type: 'stopped', why: stopped });
        else if (signal !== null) ended.resolve({ type: 'crashed', message: `command ${describeDeath(code, signal, lastErrorLine(stderrTail, signal))}` });
        else if (code !== 0) ended.resolve({ type: 'error', message: `command ${describeDeath(code, signal, lastErrorLine(stderrTail))}` });
        // Folds without a final line: the trial's value is the mean over its folds.
        else if (finalValue === undefined && reportedFolds) ended.resolve({ type: 'done', value: undefined });
        else if (finalValue === undefined) ended.resolve({ type: 'error', message: malformedFinal ?? 'command printed no final {"value": …} (or {"values": […]}) line' });
        else ended.resolve({ type: 'done', value: finalValue });
      });
    });
    return { ended: ended.promise, stop };
  }

  async close(): Promise<void> {
    const exits = [...this.live].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('close', () => resolve());
          terminate(child, this.graceMs);
        }),
    );
    await Promise.all(exits);
  }
}
