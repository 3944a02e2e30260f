import { describe, expect, it } from 'vitest';
import { parseOutputLine } from '../../src/objectives/command-objective.js';

const VALUE_RULE = 'value must be a number (or a list of numbers for several objectives)';

describe('parseOutputLine on metric lines with wrong content', () => {
  it('says a final value that is not a number must be one, and that the line was meant as final', () => {
    expect(parseOutputLine('{"value": "abc"}')).toEqual({ kind: 'malformed', message: VALUE_RULE, final: true });
    expect(parseOutputLine('{"value": true, "constraints": {"mem": 3}}')).toEqual({ kind: 'malformed', message: VALUE_RULE, final: true });
  });

  it('explains a null value as JSON.stringify of NaN', () => {
    expect(parseOutputLine('{"value": null}')).toMatchObject({ kind: 'malformed', final: true, message: expect.stringContaining('JSON.stringify writes NaN as null: print "NaN"') });
  });

  it('says to drop the quotes around a number written as a string', () => {
    expect(parseOutputLine('{"value": " 0.25 "}')).toMatchObject({ message: `${VALUE_RULE}, not a string: print 0.25 without quotes` });
  });

  it('says values must be a list when it is not one', () => {
    expect(parseOutputLine('{"values": 0.3}')).toEqual({ kind: 'malformed', message: 'values must be a list of numbers, one per objective, as in {"values": [0.39, 12.5]}', final: true });
  });

  it('marks an intermediate line with a bad value or step as not final', () => {
    expect(parseOutputLine('{"step": 3, "value": "high"}')).toEqual({ kind: 'malformed', message: VALUE_RULE, final: false });
    expect(parseOutputLine('{"step": 1.5, "values": [0.5, 2]}')).toEqual({ kind: 'malformed', message: 'step must be a non-negative integer, as in {"step": 3, "values": [0.41, 12.5]}', final: false });
    expect(parseOutputLine('{"step": 1, "values": []}')).toEqual({ kind: 'malformed', message: 'values must list one number per objective', final: false });
    expect(parseOutputLine('{"step": 1, "values": ["a"]}')).toEqual({ kind: 'malformed', message: 'values at step 1 must all be numbers', final: false });
  });

  it('says constraints and user_attrs must be objects', () => {
    expect(parseOutputLine('{"constraints": [14]}')).toEqual({ kind: 'malformed', message: 'constraints must be an object of numbers, as in {"constraints": {"gpu_mem_gb": 14}}', final: false });
    expect(parseOutputLine('{"user_attrs": "hi"}')).toEqual({ kind: 'malformed', message: 'user_attrs must be an object, as in {"user_attrs": {"note": "hi"}}', final: false });
  });

  it("recognises a value line that is not JSON: Python's print(dict) and a trailing comma", () => {
    expect(parseOutputLine("{'value': 0.3}")).toEqual({ kind: 'malformed', message: 'not JSON (single quotes): print the line with json.dumps(...) or JSON.stringify(...), not a dict', final: true });
    expect(parseOutputLine('{"value": 0.3,}')).toEqual({ kind: 'malformed', message: 'not JSON: print the line with json.dumps(...) or JSON.stringify(...)', final: true });
  });

  it('leaves other JSON and text, including JSON logs with a step but no value, as plain log text', () => {
    for (const line of ['{"step": 3, "loss": 0.4}', "{'step': 3, 'loss': 0.4}", '{"event": "start"}', '{broken', 'value: abc']) expect(parseOutputLine(line)).toEqual({ kind: 'log' });
  });

  it('reads valid lines as before', () => {
    expect(parseOutputLine('{"value": 0.39}')).toEqual({ kind: 'final', value: 0.39 });
    expect(parseOutputLine('{"step": 0, "value": "NaN"}')).toEqual({ kind: 'report', step: 0, value: NaN });
    expect(parseOutputLine('{"values": 3, "value": 0.2}')).toEqual({ kind: 'final', value: 0.2 });
  });
});

describe('parseOutputLine on user_attrs that ride on a metric line', () => {
  it('keeps user_attrs on a final line', () => {
    expect(parseOutputLine('{"value": 0.3, "user_attrs": {"params_m": 4.2}}')).toEqual({ kind: 'final', value: 0.3, attrs: { params_m: 4.2 } });
  });

  it('keeps user_attrs on a multi-objective final line with constraints', () => {
    expect(parseOutputLine('{"values": [0.3, 12.5], "constraints": {"mem_gb": 3}, "user_attrs": {"params_m": 4.2}}')).toEqual({
      kind: 'final',
      value: [0.3, 12.5],
      constraints: { mem_gb: 3 },
      attrs: { params_m: 4.2 },
    });
  });

  it('keeps user_attrs on step lines, one or several objectives', () => {
    expect(parseOutputLine('{"step": 2, "value": 0.4, "user_attrs": {"lr_now": 0.01}}')).toEqual({ kind: 'report', step: 2, value: 0.4, attrs: { lr_now: 0.01 } });
    expect(parseOutputLine('{"step": 2, "values": [0.4, 9], "user_attrs": {"lr_now": 0.01}}')).toEqual({ kind: 'report', step: 2, value: 0.4, values: [0.4, 9], attrs: { lr_now: 0.01 } });
  });

  it('keeps user_attrs on fold and checkpoint lines', () => {
    expect(parseOutputLine('{"fold": 1, "value": 0.4, "user_attrs": {"n_val": 300}}')).toEqual({ kind: 'fold', fold: 1, value: 0.4, attrs: { n_val: 300 } });
    expect(parseOutputLine('{"checkpoint": "ckpt.pt", "step": 3, "user_attrs": {"size_mb": 12}}')).toEqual({ kind: 'checkpoint', path: 'ckpt.pt', step: 3, attrs: { size_mb: 12 } });
  });

  it('says constraints on a step, fold or checkpoint line are not stored, and where to print them', () => {
    const note = (what: string) => [`constraints on ${what} are not stored; print them on the final line or on a line of their own`];
    expect(parseOutputLine('{"step": 2, "value": 0.4, "constraints": {"mem_gb": 3}}')).toEqual({ kind: 'report', step: 2, value: 0.4, notes: note('a step line') });
    expect(parseOutputLine('{"fold": 0, "value": 0.4, "constraints": {"mem_gb": 3}}')).toEqual({ kind: 'fold', fold: 0, value: 0.4, notes: note('a fold line') });
    expect(parseOutputLine('{"checkpoint": "c.pt", "constraints": {"mem_gb": 3}}')).toEqual({ kind: 'checkpoint', path: 'c.pt', notes: note('a checkpoint line') });
  });

  it('keeps user_attrs on a constraints line', () => {
    expect(parseOutputLine('{"constraints": {"mem_gb": 3}, "user_attrs": {"gpu": "a100"}}')).toEqual({ kind: 'constraints', constraints: { mem_gb: 3 }, attrs: { gpu: 'a100' } });
  });

  it('keeps the value of a line whose user_attrs is not an object, with a note that they were not stored', () => {
    expect(parseOutputLine('{"value": 0.3, "user_attrs": "hi"}')).toEqual({
      kind: 'final',
      value: 0.3,
      notes: ['user_attrs must be an object, as in {"user_attrs": {"note": "hi"}}; the line\'s value counts, its user_attrs are not stored'],
    });
  });
});

describe("parseOutputLine on Python's bare NaN and Infinity (json.dumps of a float)", () => {
  it('reads a bare NaN, Infinity or -Infinity as the string forms are read', () => {
    for (const token of ['NaN', 'Infinity', '-Infinity']) {
      expect(parseOutputLine(`{"value": ${token}}`)).toEqual(parseOutputLine(`{"value": "${token}"}`));
      expect(parseOutputLine(`{"step": 3, "value": ${token}}`)).toEqual(parseOutputLine(`{"step": 3, "value": "${token}"}`));
      expect(parseOutputLine(`{"values": [0.3, ${token}]}`)).toEqual(parseOutputLine(`{"values": [0.3, "${token}"]}`));
      expect(parseOutputLine(`{"value": 1, "constraints": {"mem_gb": ${token}}}`)).toEqual(parseOutputLine(`{"value": 1, "constraints": {"mem_gb": "${token}"}}`));
    }
    expect(parseOutputLine('{"value": -Infinity}')).toEqual({ kind: 'final', value: -Infinity });
    expect(parseOutputLine('{"step": 0, "values": [NaN, Infinity]}')).toEqual({ kind: 'report', step: 0, value: NaN, values: [NaN, Infinity] });
  });

  it('leaves NaN and Infinity inside strings as they are', () => {
    expect(parseOutputLine('{"value": NaN, "user_attrs": {"note": "NaN, -Infinity \\" Infinity"}}')).toEqual({ kind: 'final', value: NaN, attrs: { note: 'NaN, -Infinity " Infinity' } });
  });

  it('still calls a line with a bare token and another JSON fault not JSON', () => {
    expect(parseOutputLine('{"value": NaN,}')).toEqual({ kind: 'malformed', message: 'not JSON: print the line with json.dumps(...) or JSON.stringify(...)', final: true });
  });
});

describe('parseOutputLine on a constraint that is not a number', () => {
  const note = 'constraint "mem_gb" must be a number (or "NaN" for a failed measurement), got "abc"; it is stored as NaN, so the trial is infeasible';

  it('keeps the value line and its other constraints, stores the bad one as NaN, with a note saying so', () => {
    expect(parseOutputLine('{"values": [0.3, 1.0], "constraints": {"mem_gb": "abc", "latency_ms": 20}}')).toEqual({
      kind: 'final',
      value: [0.3, 1.0],
      constraints: { mem_gb: NaN, latency_ms: 20 },
      notes: [`${note} (the line's value counts)`],
    });
  });

  it('gives the same note on a constraints line', () => {
    expect(parseOutputLine('{"constraints": {"mem_gb": "abc"}}')).toEqual({ kind: 'constraints', constraints: { mem_gb: NaN }, notes: [note] });
  });

  it('takes "NaN" as a failed measurement without a note', () => {
    expect(parseOutputLine('{"value": 0.3, "constraints": {"mem_gb": "NaN"}}')).toEqual({ kind: 'final', value: 0.3, constraints: { mem_gb: NaN } });
  });
});
