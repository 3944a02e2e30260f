import { errorMessage } from '../errors.js';
import type { ChildProcess } from 'node:child_process';
import { fork, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CommandSpec } from '../objectives/command-objective.js';
import { commandArgv, commandEnv, parseOutputLine } from '../objectives/command-objective.js';
import { deviceEnv } from './devices.js';
import { entryExecArgv, runModulePath } from './entry.js';
import type { ChildMessage, ChildRequest, ObjectiveRef, TrialOutcome, TrialTask } from './messages.js';
import { OUTPUT_END_MARK } from './messages.js';
import type { RunningTrial, Slot, SlotRunner, StopWhy, TrialEnd, TrialMessageHandler } from './slots.js';
import { settleOnce } from './slots.js';

/** Default seconds between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_GRACE_SECONDS = 5;

/** SIGTERM the child's process group (its own children too), then SIGKILL after the grace period. */
export function terminate(child: ChildProcess, graceMs: number): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  timer.unref();
  child.once('exit', () => {
    clearTimeout(timer);
    // Leftovers of the group (a data-loader worker) go too.
    signalGroup(child, 'SIGKILL');
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
}

interface ChildSlot {
  readonly child: ChildProcess;
  current: ((message: ChildMessage) => void) | undefined;
  log: ((text: string) => void) | undefined;
  /** Called when a stream (stdout or stderr) printed the end mark of the current trial. */
  outputEnded: (() => void) | undefined;
  exited: boolean;
}

/** Pass a stream's text to the log, cutting out end marks (which may straddle chunks). */
function outputReader(record: ChildSlot): (data: Buffer) => void {
  let pending = '';
  return (data) => {
    let text = pending + data.toString();
    pending = '';
    let at: number;
    while ((at = text.indexOf(OUTPUT_END_MARK)) >= 0) {
      if (at > 0) record.log?.(text.slice(0, at));
      text = text.slice(at + OUTPUT_END_MARK.length);
      record.outputEnded?.();
    }
    // Keep a possible start of a mark for the next chunk.
    for (let keep = Math.min(OUTPUT_END_MARK.length - 1, text.length); keep > 0; keep--) {
      if (OUTPUT_END_MARK.startsWith(text.slice(text.length - keep))) {
        pending = text.slice(text.length - keep);
        text = text.slice(0, text.length - keep);
        break;
      }
    }
    if (text.length > 0) record.log?.(text);
  };
}

export interface ProcessSlotsOptions {
  readonly objective: ObjectiveRef;
  /** Seconds between SIGTERM and SIGKILL when a trial is stopped. Default 5. */
  readonly killGraceSeconds?: number;
}

/**
 * Process slots for JS/TS objectives: a long-lived child per slot, forked with the slot's
 * CUDA_VISIBLE_DEVICES so the framework it loads sees only its GPU (and tfjs-node, which
 * does not survive worker threads, gets a process of its own). A child that dies or is
 * stopped is replaced by a fresh one at the slot's next trial.
 */
export class ProcessSlots implements SlotRunner {
  readonly kind = 'process';
  private readonly objective: ObjectiveRef;
  private readonly graceMs: number;
  private readonly children = new Map<string, ChildSlot>();

  constructor(options: ProcessSlotsOptions) {
    this.objective = options.objective;
    this.graceMs = (options.killGraceSeconds ?? DEFAULT_KILL_GRACE_SECONDS) * 1000;
  }

  private childFor(slot: Slot): ChildSlot {
    const existing = this.children.get(slot.name);
    if (existing !== undefined && !existing.exited && existing.child.connected) return existing;
    const child = fork(runModulePath('process-child'), [], {
      env: { ...process.env, ...deviceEnv(slot) },
      execArgv: entryExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    const record: ChildSlot = { child, current: undefined, log: undefined, outputEnded: undefined, exited: false };
    child.on('message', (message: ChildMessage) => record.current?.(message));
    child.stdout?.on('data', outputReader(record));
    child.stderr?.on('data', outputReader(record));
    child.on('exit', () => (record.exited = true));
    child.on('error', () => undefined);
    this.children.set(slot.name, record);
    return record;
  }

  start(task: TrialTask, slot: Slot, handle: TrialMessageHandler): RunningTrial {
    const record = this.childFor(slot);
    const { child } = record;
    const ended = settleOnce<TrialEnd>();
    let stopped: StopWhy | undefined;
    const finish = (end: TrialEnd) => {
      if (!ended.resolve(end)) return;
      record.current = undefined;
      record.log = undefined;
      record.outputEnded = undefined;
      child.off('exit', onExit);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      finish(stopped !== undefined ? { type: 'stopped', why: stopped } : { type: 'crashed', message: `trial process ${describeExit(code, signal)}` });
    };
    child.on('exit', onExit);
    record.log = (text) => void handle({ type: 'log', text });
    // The trial ends when the child said so and both streams printed their end mark.
    let marks = 0;
    let outcome: TrialOutcome | undefined;
    const maybeFinish = () => {
      if (outcome !== undefined && marks >= 2) finish(stopped !== undefined ? { type: 'stopped', why: stopped } : outcome);
    };
    record.outputEnded = () => {
      marks++;
      maybeFinish();
    };
    record.current = (message) => {
      if (message.type === 'end') {
        outcome = message.outcome;
        maybeFinish();
        return;
      }
      void (async () => {
        let answer;
        try {
          answer = await handle(message);
        } catch (error) {
          answer = 'seq' in message ? { type: 'refused' as const, seq: message.seq, message: errorMessage(error) } : undefined;
        }
        if (answer !== undefined && !ended.settled() && child.connected) child.send(answer satisfies ChildRequest);
      })();
    };
    if (record.exited) onExit(child.exitCode, child.signalCode);
    else child.send({ type: 'run', task, objective: this.objective } satisfies ChildRequest);
    return {
      ended: ended.promise,
      stop: (why) => {
        if (ended.settled() || stopped !== undefined) return;
        stopped = why;
        this.children.delete(slot.name);
        terminate(child, this.graceMs);
      },
    };
  }

  async close(): Promise<void> {
    const exits = [...this.children.values()].map(
      (record) =>
        new Promise<void>((resolve) => {
          if (record.exited) return resolve();
          record.child.once('exit', () => resolve());
          if (record.child.connected) record.child.disconnect();
          terminate(record.child, this.graceMs);
        }),
    );
    this.children.clear();
    await Promise.all(exits);
  }
}

export interface CommandSlotsOptions {
  readonly command: CommandSpec;
  /** Where the trial's parameters JSON file goes. */
  readonly paramsFile: (task: TrialTask) => string;
  /** Seconds between SIGTERM and SIGKILL when a trial is pruned or stopped. Default 5. */
  readonly killGraceSeconds?: number;
}

/** Longest stdout line kept whole; longer output without a newline is passed on as log text. */
const MAX_LINE = 1 << 20;

/**
 * Command trials: one process per trial, spawned without a shell in its own process
 * group, with the slot's CUDA_VISIBLE_DEVICES. JSON lines on stdout are metrics (see
 * `parseOutputLine`); everything else, stderr included, is the trial's log. A pruned or
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
      if (parsed.kind === 'log') {
        void handle({ type: 'log', text: `${line}\n` });
        return;
      }
      if (stopped !== undefined) return; // metrics after a stop are ignored
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
    child.stderr?.on('data', (data: Buffer) => void handle({ type: 'log', text: data.toString() }));
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
        else if (signal !== null) ended.resolve({ type: 'crashed', message: `command ${describeExit(code, signal)}` });
        else if (code !== 0) ended.resolve({ type: 'error', message: `command exited with code ${code}` });
        // Folds without a final line: the trial's value is the mean over its folds.
        else if (finalValue === undefined && reportedFolds) ended.resolve({ type: 'done', value: undefined });
        else if (finalValue === undefined) ended.resolve({ type: 'error', message: 'command printed no final {"value": …} (or {"values": […]}) line' });
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
