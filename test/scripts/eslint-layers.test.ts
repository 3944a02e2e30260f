import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';
import layers from '../../scripts/eslint-layers.js';
import { REPO_ROOT } from '../helpers/cli.js';

/** The project's own configuration, as `npm run lint` uses it. */
const project = new ESLint({ cwd: REPO_ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await project.lintText(code, { filePath: join(REPO_ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId?.startsWith('layers/')).map((m) => m.message);
}

describe('the layer rule of npm run lint', () => {
  it('fails on an import up the layers', async () => {
    const errors = await layerErrors('src/space/upward.ts', "import { Study } from '../study/study.js';\nexport const s = Study;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^src\/space\/upward\.ts imports src\/study\/study\.ts: space\/ may not depend on study\/ \(a higher layer;/);
  });

  it('fails on a type-only import up the layers too (it couples the folders all the same)', async () => {
    const errors = await layerErrors('src/storage/upward.ts', "import type { Trial } from '../study/trial.js';\nexport type T = Trial;\n");
    expect(errors).toHaveLength(1);
  });

  it('fails on an import between two folders of one layer', async () => {
    const errors = await layerErrors('src/samplers/sideways.ts', "import { MedianPruner } from '../pruners/median.js';\nexport const m = MedianPruner;\n");
    expect(errors).toEqual([expect.stringContaining('samplers/ may not depend on pruners/ (the same layer;')]);
  });

  it('lets a folder import lower layers, its own files and the shared top-level files', async () => {
    const code = ["import { SpaceError } from '../errors.js';", "import { floatDistribution } from '../space/distributions.js';", "import { RandomSampler } from '../samplers/random.js';", "import { Study } from './study.js';", 'export const all = [SpaceError, floatDistribution, RandomSampler, Study];', ''].join('\n');
    expect(await layerErrors('src/study/downward.ts', code)).toEqual([]);
  });

  it('keeps objectives below the executor: an objective importing run/ fails', async () => {
    const code = "import type { TrialMessage } from '../run/messages.js';\nexport type M = TrialMessage;\n";
    expect(await layerErrors('src/objectives/new-objective.ts', code)).toEqual([expect.stringContaining('objectives/ may not depend on run/ (a higher layer;')]);
  });

  it('fails on a folder that has no layer', async () => {
    expect(await layerErrors('src/plugins/x.ts', 'export const x = 1;\n')).toEqual([expect.stringContaining('src/plugins/ has no layer')]);
  });
});

describe('cycles of value imports within a folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sodate-layers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'src/study'), { recursive: true });
  const lint = new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: [tseslint.configs.base as never, { files: ['src/**/*.ts'], plugins: { layers }, rules: { 'layers/imports': 'error' } }],
  });
  const lintFile = async (name: string) => ((await lint.lintFiles([join(dir, name)]))[0]?.messages ?? []).map((m) => m.message);

  it('reports the import that closes a cycle, and not one made of a type-only import', async () => {
    writeFileSync(join(dir, 'src/study/a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
    writeFileSync(join(dir, 'src/study/b.ts'), "import { c } from './c.js';\nexport const b = () => c;\n");
    writeFileSync(join(dir, 'src/study/c.ts'), "import { a } from './a.js';\nexport const c = () => a;\n");
    writeFileSync(join(dir, 'src/study/d.ts'), "import type { E } from './e.js';\nexport type D = E;\n");
    writeFileSync(join(dir, 'src/study/e.ts'), "import type { D } from './d.js';\nexport interface E { d?: D }\n");
    expect(await lintFile('src/study/a.ts')).toEqual([expect.stringContaining('src/study/a.ts imports src/study/b.ts, whose value imports lead back to src/study/a.ts')]);
    expect(await lintFile('src/study/d.ts')).toEqual([]);
  });
});
