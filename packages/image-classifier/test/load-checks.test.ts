import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadObjective } from '../src/index.js';

/**
 * sodate calls the package's factory (package.json "sodate": { factory }) when a slot loads
 * the objective, and stops the study at its first trial when it throws: what every trial
 * would fail on must be found there, not in each trial.
 */
describe('loading the built-in with options naming what is not there', () => {
  it('is the factory sodate calls', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { sodate: { factory: string } };
    expect(manifest.sodate.factory).toBe('loadObjective');
  });

  it('refuses a data set that is not one, with the option in its one line', async () => {
    await expect(loadObjective({ dataset: 'mnist' })).rejects.toMatchObject({
      code: 'SODATE_DATA_INVALID',
      message: `image-classifier option dataset: expected 'digits', { npy: { x, y } } or { folder, labels }, got "mnist"`,
    });
  });

  it('refuses .npy files and a labels CSV that do not exist', async () => {
    await expect(loadObjective({ dataset: { npy: { x: '/tmp/none/x.npy', y: '/tmp/none/y.npy' } } })).rejects.toThrow('image-classifier option dataset: data file /tmp/none/x.npy does not exist');
    const folder = mkdtempSync(join(tmpdir(), 'sodate-images-'));
    await expect(loadObjective({ dataset: { folder, labels: join(folder, 'missing.csv') } })).rejects.toThrow(`image-classifier option dataset: labels file ${join(folder, 'missing.csv')} does not exist`);
  });

  it('refuses a fold out of range and a bad valFraction', async () => {
    await expect(loadObjective({ folds: 3, fold: 3 })).rejects.toThrow('image-classifier option fold must be within [0, 2], got 3');
    await expect(loadObjective({ valFraction: 1.5 })).rejects.toThrow('image-classifier option valFraction must be within (0, 1), got 1.5');
  });

  it('gives the objective for the shipped digits', async () => {
    expect(typeof (await loadObjective({ dataset: 'digits', epochs: 1 }))).toBe('function');
  });

  // Last: it leaves the process's backend choice on tfjs-node.
  const installed = (() => {
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(installed || process.env['SODATE_TFJS_BACKEND'] !== undefined)('refuses a backend that is not installed', async () => {
    await expect(loadObjective({ backend: 'tfjs-node' })).rejects.toThrow('image-classifier option backend tfjs-node: @tensorflow/tfjs-node is not installed here; use auto (the fastest that works), wasm or cpu');
  });
});
