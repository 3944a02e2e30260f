import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { stopWhenOutputCloses } from '../../src/cli/io.js';

/** An io whose output closes when `close` is called; `err` collects what went to stderr. */
function closableIo(): { io: CliIo; close: () => void; err: () => string } {
  const closed = new AbortController();
  let err = '';
  const io: CliIo = { out: { write: () => true }, err: { write: (text: string) => (err += text) }, cwd: '/', outClosed: closed.signal };
  return { io, close: () => closed.abort(), err: () => err };
}

const SAID = 'sodate tune: the output was closed (its reader exited); no new trials, the running ones finish and are recorded\n';

describe('stopWhenOutputCloses', () => {
  it('gives the signal that aborts when the output closes, and says so once on stderr', () => {
    const { io, close, err } = closableIo();
    const stop = stopWhenOutputCloses(io, 'tune');
    expect(stop?.aborted).toBe(false);
    expect(err()).toBe('');
    close();
    expect(stop?.aborted).toBe(true);
    expect(err()).toBe(SAID);
  });

  it('says it at once for an output already closed', () => {
    const { io, close, err } = closableIo();
    close();
    expect(stopWhenOutputCloses(io, 'tune')?.aborted).toBe(true);
    expect(err()).toBe(SAID);
  });

  it('gives nothing for an io whose output never closes', () => {
    expect(stopWhenOutputCloses({ out: { write: () => true }, err: { write: () => true }, cwd: '/' }, 'worker')).toBeUndefined();
  });
});
