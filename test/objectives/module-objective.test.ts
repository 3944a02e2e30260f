import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcessSlots } from '../../src/run/process-slots.js';
import { ThreadSlots } from '../../src/run/thread-slots.js';
import { runWith } from '../run/fixtures.js';

/** `name` with `text` in a fresh folder. */
function moduleFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sodate-module-')), name);
  writeFileSync(path, text);
  return path;
}

describe.each(['thread', 'process'] as const)('a module objective that fails to load in a %s slot', (kind) => {
  /** The message a run of `path`'s objective stops with. A slot imports it as the CLI does, with Node (vitest's own import would parse it itself). */
  async function loadError(path: string): Promise<string> {
    const objective = { kind: 'module' as const, path, exportName: 'objective' };
    const runner = kind === 'thread' ? new ThreadSlots({ objective, threads: 1 }) : new ProcessSlots({ objective, killGraceSeconds: 1 });
    const error = await runWith(runner, { maxTrials: 1, slots: [{ name: 'cpu#0', device: 'cpu', gpu: null }] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'SODATE_OBJECTIVE_LOAD' });
    return (error as Error).message;
  }

  it("names where a TypeScript file's syntax error is (esbuild's location line, not its header)", async () => {
    const path = moduleFile('syntax.ts', 'export function objective(t: any) {\n  return t.params.x +;\n}\n');
    expect(await loadError(path)).toBe(`objective module ${path} failed to load: ${path}:2:21: ERROR: Unexpected ";"`);
  });

  it("names the file and line of an ES module's syntax error, which Node's error does not", async () => {
    const path = moduleFile('syntax.mjs', 'export function objective(t) {\n  return t.params.x +;\n}\n');
    expect(await loadError(path)).toBe(`objective module ${path} failed to load: ${path}:2: SyntaxError: Unexpected token ';'`);
  });

  it('names the file and line of a CommonJS syntax error', async () => {
    const path = moduleFile('syntax.cjs', 'module.exports.objective = (t) =>\n  t.params.x +;\n');
    expect(await loadError(path)).toBe(`objective module ${path} failed to load: ${path}:2: SyntaxError: Unexpected token ';'`);
  });

  it('names where a SyntaxError thrown while the module runs was thrown (JSON.parse at the top level)', async () => {
    const path = moduleFile('config.mjs', 'const config = JSON.parse("{bad");\nexport const objective = () => config;\n');
    expect(await loadError(path)).toMatch(new RegExp(`^objective module .* failed to load: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+: SyntaxError: .*JSON`));
  });

  it('says SyntaxError without a place when the error is in a module it imports', async () => {
    const path = moduleFile('main.mjs', 'import { x } from "./dep.mjs";\nexport const objective = () => x;\n');
    writeFileSync(join(path, '..', 'dep.mjs'), 'export const x = ;\n');
    expect(await loadError(path)).toBe(`objective module ${path} failed to load: SyntaxError: Unexpected token ';'`);
  });

  it("keeps a load error's message to its first line", async () => {
    const path = moduleFile('throws.mjs', 'throw new Error("no data folder\\nsecond line");\n');
    expect(await loadError(path)).toBe(`objective module ${path} failed to load: no data folder`);
  });
});
