import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSodateError, OptionError, SodateError } from '../src/errors.js';
import type * as Errors from '../src/errors.js';

describe('isSodateError', () => {
  it("recognises another copy's errors, which instanceof does not (a trainer package beside a global sodate)", async () => {
    // The query string makes the loader evaluate errors.ts a second time: a second copy of its classes.
    const url = `${pathToFileURL(resolve(import.meta.dirname, '../src/errors.ts')).href}?copy=2`;
    const copy = (await import(/* @vite-ignore */ url)) as typeof Errors;
    expect(copy.OptionError).not.toBe(OptionError);
    const foreign = new copy.OptionError('bad option');
    expect(foreign instanceof SodateError).toBe(false);
    expect(isSodateError(foreign)).toBe(true);
    expect(isSodateError(new OptionError('bad option'))).toBe(true);
  });

  it('refuses plain errors and non-objects', () => {
    expect(isSodateError(new Error('x'))).toBe(false);
    expect(isSodateError('SODATE_USAGE')).toBe(false);
    expect(isSodateError(null)).toBe(false);
    expect(isSodateError({ code: 'SODATE_USAGE', exitCode: 2 })).toBe(false);
  });
});
