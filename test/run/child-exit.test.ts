import { describe, expect, it } from 'vitest';
import { describeDeath, keepTail, lastErrorLine, STDERR_TAIL_CHARS } from '../../src/run/child-exit.js';

const PYTHON_TRACEBACK = `/data/train.py:12: UserWarning: lr is large
  warnings.warn("lr is large")
Traceback (most recent call last):
  File "/data/train.py", line 40, in <module>
    main()
  File "/data/train.py", line 31, in main
    raise RuntimeError("boom in training loop")
RuntimeError: boom in training loop
`;

const NODE_UNCAUGHT = `file:///data/train.mjs:3
  throw Object.assign(new Error('boom'), { code: 'E' });
  ^

Error: boom
    at file:///data/train.mjs:3:23
    at ModuleJob.run (node:internal/modules/esm/module_job:325:25) {
  code: 'E'
}

Node.js v20.20.2
`;

const V8_OUT_OF_MEMORY = `
<--- Last few GCs --->

[3977:0x35309bd0]      450 ms: Mark-Compact 102.6 (135.0) -> 94.9 (127.4) MB

<--- JS stacktrace --->

FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory
----- Native stack trace -----

 1: 0xb78db3 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [/usr/bin/node]
 2: 0xee8300 v8::Utils::ReportOOMFailure(v8::internal::Isolate*) [/usr/bin/node]
`;

describe('lastErrorLine', () => {
  it("finds a Python traceback's exception line", () => {
    expect(lastErrorLine(PYTHON_TRACEBACK)).toBe('RuntimeError: boom in training loop');
  });

  it("finds a Node uncaught error's line past its frames, its properties and the version line", () => {
    expect(lastErrorLine(NODE_UNCAUGHT)).toBe('Error: boom');
  });

  it("finds V8's out-of-memory line before the native stack printed after it", () => {
    expect(lastErrorLine(V8_OUT_OF_MEMORY)).toBe('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory');
  });

  it('takes what a progress bar last drew over a line, without its colours', () => {
    expect(lastErrorLine('epoch 1:  10%|#   |\repoch 1: 50%|##  |\r\u001b[31mKilled at 50%\u001b[0m\r\n')).toBe('Killed at 50%');
  });

  it('says nothing for empty stderr or stderr with only frames', () => {
    expect(lastErrorLine('')).toBeUndefined();
    expect(lastErrorLine('    at foo (x.js:1:1)\n}\n')).toBeUndefined();
  });

  it('skips log chatter below error level, and prefers a line naming an error over a later plain one', () => {
    expect(lastErrorLine('INFO:root:loading data\nINFO:root:saving checkpoint\n')).toBeUndefined();
    expect(lastErrorLine('ValueError: bad shape\nW 12:00:01 cleanup done\n')).toBe('ValueError: bad shape');
    expect(lastErrorLine('CUDA out of memory. Tried to allocate 2 GiB\nsaving partial results\n')).toBe('CUDA out of memory. Tried to allocate 2 GiB');
    expect(lastErrorLine('simulated failure\n')).toBe('simulated failure');
  });
  it("takes a traceback's last line for an exception whose name says no error, not its headers or a metric line", () => {
    expect(lastErrorLine('Traceback (most recent call last):\n  File "t.py", line 3, in <module>\n    raise Diverged("nan")\nDiverged: nan\n')).toBe('Diverged: nan');
    expect(lastErrorLine('ValueError: x\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "t.py"\nKeyboardInterrupt\n')).toBe('ValueError: x');
    expect(lastErrorLine('val_error=0.12\nstopping: no improvement\n')).toBe('stopping: no improvement');
  });
  it("keeps a program's own message before a signal it raised itself (abort, segfault)", () => {
    expect(lastErrorLine("terminate called after throwing an instance of 'std::runtime_error'\n  what():  CUDA error\n", 'SIGABRT')).toMatch(/^terminate called/);
  });
  it('quotes nothing but V8 fatal lines for a program killed by a signal (it printed no reason)', () => {
    expect(lastErrorLine('epoch 3/10 loss 0.41\n', 'SIGKILL')).toBeUndefined();
    expect(lastErrorLine('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n', 'SIGABRT')).toMatch(/^FATAL ERROR: Reached heap limit/);
  });
  it('cuts a very long line with an ellipsis', () => {
    const line = lastErrorLine(`ValueError: ${'x'.repeat(5000)}\n`);
    expect(line?.length).toBe(301);
    expect(line?.endsWith('…')).toBe(true);
  });
});

describe('describeDeath', () => {
  it('adds why after how the program ended, on one line', () => {
    expect(describeDeath(1, null, 'RuntimeError: boom')).toBe('exited with code 1: RuntimeError: boom');
    expect(describeDeath(null, 'SIGABRT', 'first line\nsecond line')).toBe('killed by SIGABRT: first line');
  });

  it('says only how it ended when why is unknown', () => {
    expect(describeDeath(3, null, undefined)).toBe('exited with code 3');
    expect(describeDeath(null, 'SIGKILL', '  \n')).toBe('killed by SIGKILL');
  });
});

describe('keepTail', () => {
  it('keeps the last STDERR_TAIL_CHARS characters', () => {
    const tail = keepTail('a'.repeat(STDERR_TAIL_CHARS), 'bc');
    expect(tail).toHaveLength(STDERR_TAIL_CHARS);
    expect(tail.endsWith('abc')).toBe(true);
  });
});
