/**
 * The trainer mode of stages.bench.ts: the real CLI on the built-in image study. For each
 * seed, `sodate tune` on search-spaces/image-baseline-staged.yaml (three stages of 8 trials)
 * and on the flat search-spaces/image-baseline.yaml (24 trials), both with `--seed`; the
 * epoch count may be lowered to fit a small machine (the same for both). Then
 * `sodate ablate <staged> --stages --seeds K` on the first seed's staged result, twice: with
 * the study's seeds and with another seed base (`--seed`), to see whether the steps it
 * names as mattering keep their sign and their intervals.
 *
 * Runs the built CLI (bin/sodate.js → dist/, with packages/image-classifier/dist): `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable } from './table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const STAGES = ['optim', 'regularisation', 'augmentation'];

export interface TrainerOptions {
  readonly seeds: readonly number[];
  readonly epochs: number;
  readonly ablationSeeds: number;
  /** The `--seed` of the ablation's re-run (the first run uses the study's seed). */
  readonly otherSeedBase: number;
  readonly devices: string;
  /** Where the space files and studies go; an existing one resumes (finished studies are not re-run). Default: a new temporary directory. */
  readonly dir?: string;
}

/** Runs the CLI; resolves with its stdout, rejects with its last stderr lines when it fails. */
function sodate(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/sodate.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`sodate ${args.join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`))));
  });
}

/** The space file with the trainer's epoch count replaced (both files say `epochs: 8`). */
function withEpochs(file: string, epochs: number, dir: string): string {
  const text = readFileSync(join(root, 'search-spaces', file), 'utf8');
  if (!/epochs: 8\b/.test(text)) throw new Error(`${file}: no "epochs: 8" to replace`);
  const out = join(dir, file);
  writeFileSync(out, text.replace(/epochs: 8\b/, `epochs: ${epochs}`));
  return out;
}

async function bestValue(study: string, storage: string, cwd: string): Promise<number> {
  const best = JSON.parse(await sodate(['best', study, '--storage', storage, '--format', 'json'], cwd)) as { value: number };
  return best.value;
}

interface Gain {
  readonly mean: number;
  readonly interval95: [number, number];
  readonly noise: boolean;
}
interface Step {
  readonly step: number;
  readonly stage?: string;
  readonly mean: number;
  readonly gain: Gain | null;
  readonly gain_from_baseline: Gain | null;
}

const elapsed = (started: number) => `${((Date.now() - started) / 60000).toFixed(1)} min`;
const median = (v: readonly number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export async function runTrainerMode(options: TrainerOptions): Promise<void> {
  const started = Date.now();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sodate-stages-'));
  mkdirSync(dir, { recursive: true });
  const flatFile = withEpochs('image-baseline.yaml', options.epochs, dir);
  const stagedFile = withEpochs('image-baseline-staged.yaml', options.epochs, dir);
  const run = ['--no-tui', '--devices', options.devices];
  console.log(`real trainer (digits, ${options.epochs} epochs), 24 trials each, seeds ${options.seeds.join(',')}; files in ${dir}`);
  const rows: string[][] = [];
  const flat: number[] = [];
  const staged: number[] = [];
  for (const seed of options.seeds) {
    const storage = `sqlite:${join(dir, `seed${seed}.db`)}`;
    await sodate(['tune', flatFile, '--study', `flat${seed}`, '--seed', String(seed), '--trials', '24', '--storage', storage, ...run], dir);
    const f = await bestValue(`flat${seed}`, storage, dir);
    await sodate(['tune', stagedFile, '--study', `staged${seed}`, '--seed', String(seed), '--storage', storage, ...run], dir);
    const perStage: number[] = [];
    for (const stage of STAGES) perStage.push(await bestValue(`staged${seed}.${stage}`, storage, dir));
    const s = Math.min(...perStage);
    flat.push(f);
    staged.push(s);
    rows.push([String(seed), f.toFixed(4), s.toFixed(4), perStage.map((v) => v.toFixed(4)).join(' → '), s < f ? 'staged' : 'flat']);
    console.log(`seed ${seed}: flat ${f.toFixed(4)}, staged ${s.toFixed(4)} (${elapsed(started)})`);
    // The ablation right after the first seed, so that a run cut short still has it.
    if (seed === options.seeds[0]) {
      await ablateTwice(options, seed, storage, dir, started).catch((error: unknown) => console.log(`ablation failed: ${error instanceof Error ? error.message.slice(0, 400) : String(error)}`));
    }
  }
  console.log(`\nStaged vs flat on the built-in image study (real trainer): best val_loss per seed (lower is better)`);
  printTable(['seed', 'flat', 'staged', 'staged by stage (best)', 'lower'], rows);
  const wins = staged.filter((s, i) => s < (flat[i] as number)).length;
  console.log(`median best val_loss: flat ${median(flat).toFixed(4)}, staged ${median(staged).toFixed(4)}; staged lower in ${wins}/${options.seeds.length} seeds (target: staged median lower)`);

  console.log(`\ntotal ${elapsed(started)}`);
}

/** `sodate ablate --stages` on one staged result, with the study's seeds and with another seed base; prints both side by side. */
async function ablateTwice(options: TrainerOptions, seed: number, storage: string, dir: string, started: number): Promise<void> {
  const ablations: Step[][] = [];
  for (const base of [undefined, options.otherSeedBase]) {
    const args = ['ablate', `staged${seed}`, '--stages', '--seeds', String(options.ablationSeeds), '--storage', storage, '--format', 'json', '--devices', options.devices];
    if (base !== undefined) args.push('--seed', String(base));
    ablations.push(JSON.parse(await sodate(args, dir)) as Step[]);
    console.log(`ablation ${base === undefined ? "with the study's seeds" : `--seed ${base}`} done (${elapsed(started)})`);
  }
  const [first, second] = ablations as [Step[], Step[]];
  const gainText = (g: Gain | null) => (g === null ? '-' : `${g.mean.toFixed(4)} [${g.interval95[0].toFixed(4)}, ${g.interval95[1].toFixed(4)}]${g.noise ? ' noise' : ''}`);
  const inside = (g: Gain | null, h: Gain | null) => (g === null || h === null ? '-' : h.mean >= g.interval95[0] && h.mean <= g.interval95[1] ? 'yes' : 'no');
  console.log(`\nAblation of staged${seed} by stage (path, ${options.ablationSeeds} seeds per point): gain of each step over the previous (val_loss decrease), 95% interval; then the same with --seed ${options.otherSeedBase}`);
  printTable(
    ['step', 'stage', 'gain (study seeds)', `gain (--seed ${options.otherSeedBase})`, 'same verdict', 're-run mean inside first interval'],
    first.map((s, i) => {
      const other = second.find((o) => o.stage === s.stage) ?? second[i];
      const verdict = s.gain === null || other?.gain == null ? '-' : s.gain.noise === other.gain.noise && Math.sign(s.gain.mean) === Math.sign(other.gain.mean) ? 'yes' : 'no';
      return [String(s.step), s.stage ?? 'baseline', gainText(s.gain), gainText(other?.gain ?? null), verdict, inside(s.gain, other?.gain ?? null)];
    }),
  );
}
