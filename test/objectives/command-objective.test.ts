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

  it("recognises a value line that is not JSON: Python's print(dict) and a bare NaN", () => {
    expect(parseOutputLine("{'value': 0.3}")).toEqual({ kind: 'malformed', message: 'not JSON (single quotes): print the line with json.dumps(...) or JSON.stringify(...), not a dict', final: true });
    expect(parseOutputLine('{"value": NaN}')).toEqual({ kind: 'malformed', message: 'not JSON: NaN and Infinity must be strings, as in {"value": "NaN"}', final: true });
    expect(parseOutputLine('{"step": 2, "value": -Infinity}')).toMatchObject({ kind: 'malformed', final: false });
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
