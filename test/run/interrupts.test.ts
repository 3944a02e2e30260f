import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installInterrupts } from '../../src/run/interrupts.js';

/** A process stand-in: signals are emitted by hand. */
const fakeProcess = () => Object.assign(new EventEmitter(), { exit: () => undefined }) as unknown as NodeJS.Process;

describe('installInterrupts', () => {
  it('takes an aborted stopAsking as the first Ctrl-C: no new trials, running ones go on; a Ctrl-C after it is the second', () => {
    const proc = fakeProcess();
    const notices: string[] = [];
    const stop = new AbortController();
    const interrupts = installInterrupts({ notice: (m) => notices.push(m) }, proc, stop.signal);
    stop.abort();
    expect([interrupts.signal.aborted, interrupts.stopSignal.aborted]).toEqual([true, false]);
    proc.emit('SIGINT');
    expect(interrupts.stopSignal.aborted).toBe(true);
    expect(notices).toHaveLength(2);
    interrupts.dispose();
  });

  it('counts a stopAsking after a Ctrl-C as nothing more, and one already aborted at once', () => {
    const proc = fakeProcess();
    const stop = new AbortController();
    const interrupts = installInterrupts({}, proc, stop.signal);
    proc.emit('SIGINT');
    stop.abort();
    expect([interrupts.signal.aborted, interrupts.stopSignal.aborted]).toEqual([true, false]);
    interrupts.dispose();
    const early = new AbortController();
    early.abort();
    const again = installInterrupts({}, fakeProcess(), early.signal);
    expect(again.signal.aborted).toBe(true);
    again.dispose();
  });

  it('takes a hang-up (the terminal closed) as a first signal, not an exit: running command trials are waited for and recorded', () => {
    const proc = fakeProcess();
    const interrupts = installInterrupts({}, proc);
    proc.emit('SIGHUP');
    expect([interrupts.signal.aborted, interrupts.stopSignal.aborted]).toEqual([true, false]);
    // Hang-ups sent again never escalate to stopping the trials (or exiting).
    proc.emit('SIGHUP');
    proc.emit('SIGHUP');
    expect(interrupts.stopSignal.aborted).toBe(false);
    proc.emit('SIGTERM');
    expect(interrupts.stopSignal.aborted).toBe(true);
    interrupts.dispose();
    expect(proc.listenerCount('SIGHUP')).toBe(0);
  });
});
