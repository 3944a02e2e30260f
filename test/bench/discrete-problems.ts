/**
 * Categorical and ordinal problems of the quality suite, the kind of space image
 * practitioners tune (backbone, pooling, loss, augmentations on/off, batch sizes from a
 * list): random tables with additive and pairwise terms and a few planted good cells, a
 * NAS-cell-like problem (6 edges × 5 operations), and ordinal grids of log-spaced values
 * written both as a categorical list of numbers and as an integer index.
 *
 * Every problem is noisy: the objective adds `sigma · noise`, with the standard normal
 * `noise` drawn by the benchmark from (seed, trial number) so that every sampler, in
 * TypeScript or Python, sees the same noise at the same trial. Regret is measured on the
 * noise-free value of the trial the study would pick (its best observed value), as a user
 * who retrains the chosen configuration sees it.
 *
 * The tables come from an integer hash that test/bench/optuna/samplers.py repeats exactly;
 * test/samplers/tpe-problems.test.ts checks the two agree.
 */
import { mix32 } from './pruner-curves.js';
import type { Problem, Suggest } from './problems.js';

/** Uniform in (0, 1) from three non-negative integers. */
export function hashUniform(a: number, b: number, c: number): number {
  let h = mix32((a ^ 0x9e3779b9) >>> 0);
  h = mix32((h + b) >>> 0);
  h = mix32((h + c) >>> 0);
  return (h + 0.5) / 4294967296;
}

/** The benchmark's noise for one trial: a standard normal from (seed, trial number) (Box–Muller). */
export function trialNoise(seed: number, trialNumber: number): number {
  const u1 = hashUniform(7919 + seed, trialNumber, 0);
  const u2 = hashUniform(7919 + seed, trialNumber, 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A cost table over `k` categorical parameters with `c` choices each: per-parameter
 * main effects, pairwise interactions between neighbours (and between parameter i and
 * i + 3, so that no ordering of the parameters makes it separable), and `planted` cells
 * whose neighbourhood is much better than the rest, with a bonus that grows with the number
 * of matching coordinates so that a sampler can climb towards them.
 */
export interface CategoricalTable {
  readonly k: number;
  readonly c: number;
  readonly main: readonly (readonly number[])[];
  readonly pairs: readonly { readonly i: number; readonly j: number; readonly cost: readonly number[] }[];
  readonly planted: readonly (readonly number[])[];
  readonly plantedDepth: number;
}

export function categoricalTable(tableSeed: number, k: number, c: number, planted: number, plantedDepth: number): CategoricalTable {
  const main = Array.from({ length: k }, (_, i) => Array.from({ length: c }, (_, v) => hashUniform(tableSeed, 100 + i, v)));
  const pairs: { i: number; j: number; cost: number[] }[] = [];
  for (let i = 0; i < k; i++) {
    for (const j of [i + 1, i + 3]) {
      if (j >= k) continue;
      pairs.push({ i, j, cost: Array.from({ length: c * c }, (_, v) => 0.6 * hashUniform(tableSeed, 1000 + i * k + j, v)) });
    }
  }
  const cells = Array.from({ length: planted }, (_, p) => Array.from({ length: k }, (_, i) => Math.floor(hashUniform(tableSeed, 5000 + p, i) * c)));
  return { k, c, main, pairs, planted: cells, plantedDepth };
}

/** The noise-free cost of a cell (choice indices). */
export function tableCost(table: CategoricalTable, x: readonly number[]): number {
  let cost = 0;
  for (let i = 0; i < table.k; i++) cost += (table.main[i] as number[])[x[i] as number] as number;
  for (const { i, j, cost: pair } of table.pairs) cost += pair[(x[i] as number) * table.c + (x[j] as number)] as number;
  let bonus = 0;
  for (const cell of table.planted) {
    let matches = 0;
    for (let i = 0; i < table.k; i++) if (cell[i] === x[i]) matches++;
    bonus = Math.min(bonus, -table.plantedDepth * (matches / table.k) ** 3);
  }
  return cost + bonus;
}

/** The smallest value of `f` over every cell of a k-dimensional grid with the given sizes. */
function enumerateMinimum(sizes: readonly number[], f: (x: number[]) => number): number {
  const x = sizes.map(() => 0);
  let best = Infinity;
  for (;;) {
    best = Math.min(best, f(x));
    let d = 0;
    while (d < sizes.length && (x[d] = (x[d] as number) + 1) === sizes[d]) x[d++] = 0;
    if (d === sizes.length) return best;
  }
}

/** A table problem: parameter i is `c{i}` with `choices` (strings, or booleans for two choices). */
function tableProblem(name: string, table: CategoricalTable, budget: number, sigma: number): Problem {
  const choices: readonly (string | boolean)[] = table.c === 2 ? [true, false] : Array.from({ length: table.c }, (_, v) => `v${v}`);
  return {
    name,
    dimension: table.k,
    continuous: false,
    optimum: enumerateMinimum(
      Array.from({ length: table.k }, () => table.c),
      (x) => tableCost(table, x),
    ),
    budget,
    noisy: true,
    objective: (trial, noise = 0) => {
      const x = Array.from({ length: table.k }, (_, i) => choices.indexOf(trial.suggestCategorical(`c${i}`, choices)));
      return tableCost(table, x) + sigma * noise;
    },
  };
}

/** The operations of a NAS-Bench-201-like cell, and the capacity each adds on a path. */
export const NAS_OPS = ['none', 'skip', 'conv1x1', 'conv3x3', 'avgpool'] as const;
const NAS_CAPACITY = [0, 0.05, 0.6, 1, 0.15];
/** The cell's edges (from, to) over nodes 0 (input) … 3 (output). */
const NAS_EDGES: readonly (readonly [number, number])[] = [
  [0, 1],
  [0, 2],
  [1, 2],
  [0, 3],
  [1, 3],
  [2, 3],
];

/**
 * Validation error of a cell (operation index per edge): a cell whose output is cut off
 * from its input guesses (0.9); otherwise the error falls with the capacity of the
 * connected operations and with the depth of the deepest convolution chain, a skip
 * connection beside a deep chain helps (it trains better), pooling on the output edges
 * hurts, and each (edge, operation) has a small hashed preference so that the landscape is
 * smooth-ish but not symmetric.
 */
export function nasCellError(ops: readonly number[]): number {
  const reach = [true, false, false, false];
  for (const [e, [from, to]] of NAS_EDGES.entries()) if (ops[e] !== 0 && reach[from]) reach[to] = true;
  if (!reach[3]) return 0.9;
  // Only edges on some input → output path count.
  const toOutput = [false, false, false, true];
  for (let e = NAS_EDGES.length - 1; e >= 0; e--) {
    const [from, to] = NAS_EDGES[e] as readonly [number, number];
    if (ops[e] !== 0 && toOutput[to]) toOutput[from] = true;
  }
  let capacity = 0;
  const depth = [0, 0, 0, 0];
  let skipToOutput = false;
  let poolOnOutput = 0;
  let preference = 0;
  for (const [e, [from, to]] of NAS_EDGES.entries()) {
    const op = ops[e] as number;
    if (op === 0 || !reach[from] || !toOutput[to]) continue;
    capacity += NAS_CAPACITY[op] as number;
    const conv = op === 2 || op === 3 ? 1 : 0;
    depth[to] = Math.max(depth[to] as number, (depth[from] as number) + conv);
    if (op === 1 && to === 3) skipToOutput = true;
    if (op === 4 && to === 3) poolOnOutput++;
    preference += 0.02 * hashUniform(201, e, op);
  }
  const deep = depth[3] as number;
  return 0.08 + 0.35 * Math.exp(-capacity / 1.2) + 0.04 * Math.max(0, 3 - deep) - (skipToOutput && deep >= 2 ? 0.02 : 0) + 0.015 * poolOnOutput + preference;
}

/** Ten log-spaced values, 1 … 512. */
const ORDINAL_VALUES = Array.from({ length: 10 }, (_, k) => 2 ** k);
const ORDINAL_LEVELS = ORDINAL_VALUES.map(Math.log2);
/** Where each of the five ordinal parameters is best, in log2 units (between grid points for some). */
const ORDINAL_TARGETS = [2.3, 6.0, 4.6, 7.5, 1.2];
const ORDINAL_WEIGHTS = [0.08, 0.05, 0.03, 0.06, 0.02];

/** Cost of five ordinal values given as log2 (0 … 9): separable bowls and one interaction. */
export function ordinalCost(l: readonly number[]): number {
  let cost = 0;
  for (let i = 0; i < 5; i++) cost += (ORDINAL_WEIGHTS[i] as number) * ((l[i] as number) - (ORDINAL_TARGETS[i] as number)) ** 2;
  return cost + 0.03 * ((l[0] as number) + (l[1] as number) - 8.5) ** 2;
}

/**
 * The minimum of `ordinalCost` when each parameter may be any of `levels` (log2 values):
 * the last three terms are separable, the first two are searched as a pair.
 */
function ordinalMinimumOver(levels: readonly number[]): number {
  const bowl = (i: number): number => Math.min(...levels.map((l) => (ORDINAL_WEIGHTS[i] as number) * (l - (ORDINAL_TARGETS[i] as number)) ** 2));
  let pair = Infinity;
  for (const a of levels) {
    for (const b of levels) {
      pair = Math.min(pair, (ORDINAL_WEIGHTS[0] as number) * (a - (ORDINAL_TARGETS[0] as number)) ** 2 + (ORDINAL_WEIGHTS[1] as number) * (b - (ORDINAL_TARGETS[1] as number)) ** 2 + 0.03 * (a + b - 8.5) ** 2);
    }
  }
  return pair + bowl(2) + bowl(3) + bowl(4);
}

function ordinalProblem(name: string, levels: readonly number[], read: (trial: Suggest, i: number) => number): Problem {
  return {
    name,
    dimension: 5,
    continuous: false,
    optimum: ordinalMinimumOver(levels),
    budget: 200,
    noisy: true,
    objective: (trial, noise = 0) => ordinalCost(Array.from({ length: 5 }, (_, i) => read(trial, i))) + 0.05 * noise,
  };
}

const BACKBONES = ['resnet18', 'resnet34', 'efficientnet_b0', 'convnext_tiny', 'vit_small'] as const;
const POOLINGS = ['avg', 'max', 'gem'] as const;
const LOSSES = ['ce', 'focal', 'label_smoothing'] as const;
const FLAGS = ['hflip', 'rot90', 'coarse_dropout', 'mixup'] as const;

/**
 * A categorical-heavy image baseline's validation error: backbone, pooling, loss and four
 * augmentations on/off (choice indices; a flag is on at index 0), with the learning rate's
 * best value depending on the backbone and the loss, and mixup helping only large models.
 */
export function imageCategoricalError(backbone: number, pooling: number, loss: number, lr: number, flags: readonly boolean[]): number {
  let error = ([0.2, 0.17, 0.15, 0.12, 0.16][backbone] as number) + ([0, 0.02, -0.01][pooling] as number) + ([0, 0.01, -0.012][loss] as number);
  // Transformers want small rates; focal loss a slightly smaller one.
  const lrOpt = ([1e-3, 8e-4, 2e-3, 4e-4, 1e-4][backbone] as number) * (loss === 1 ? 0.5 : 1);
  error += 0.03 * (Math.log10(lr) - Math.log10(lrOpt)) ** 2;
  const [hflip, rot90, dropout, mixup] = flags;
  error += (hflip ? -0.015 : 0) + (rot90 ? 0.01 : 0) + (dropout ? -0.008 : 0);
  // With coarse dropout as well, mixup is too much regularisation.
  if (mixup) error += (backbone >= 3 ? -0.02 : 0.012) + (dropout ? 0.015 : 0);
  return error;
}

function imageCategorical(trial: Suggest, noise = 0): number {
  const backbone = BACKBONES.indexOf(trial.suggestCategorical('backbone', BACKBONES));
  const pooling = POOLINGS.indexOf(trial.suggestCategorical('pooling', POOLINGS));
  const loss = LOSSES.indexOf(trial.suggestCategorical('loss', LOSSES));
  const lr = trial.suggestFloat('lr', 1e-5, 1e-2, { log: true });
  const flags = FLAGS.map((name) => trial.suggestCategorical(name, [true, false]));
  return imageCategoricalError(backbone, pooling, loss, lr, flags) + 0.005 * noise;
}

/** With the learning rate at its best for each (backbone, loss), the discrete part enumerated. */
const imageCategoricalOptimum = enumerateMinimum([5, 3, 3, 2, 2, 2, 2], ([b, p, l, ...f]) =>
  imageCategoricalError(b as number, p as number, l as number, ([1e-3, 8e-4, 2e-3, 4e-4, 1e-4][b as number] as number) * (l === 1 ? 0.5 : 1), f.map((v) => v === 0)),
);

export const DISCRETE_PROBLEMS: readonly Problem[] = [
  tableProblem('cat6x5', categoricalTable(1, 6, 5, 3, 1.5), 100, 0.1),
  tableProblem('cat6x5-b', categoricalTable(2, 6, 5, 2, 1.2), 100, 0.2),
  tableProblem('cat8x3', categoricalTable(3, 8, 3, 2, 1.5), 100, 0.1),
  tableProblem('flags10', categoricalTable(4, 10, 2, 1, 1.0), 100, 0.1),
  {
    name: 'nas-cell',
    dimension: 6,
    continuous: false,
    optimum: enumerateMinimum([5, 5, 5, 5, 5, 5], nasCellError),
    budget: 100,
    noisy: true,
    objective: (trial, noise = 0) =>
      nasCellError(Array.from({ length: 6 }, (_, e) => NAS_OPS.indexOf(trial.suggestCategorical(`edge${e}`, NAS_OPS)))) + 0.01 * noise,
  },
  ordinalProblem('ordinal-choice', ORDINAL_LEVELS, (trial, i) => Math.log2(trial.suggestCategorical(`p${i}`, ORDINAL_VALUES))),
  ordinalProblem('ordinal-index', ORDINAL_LEVELS, (trial, i) => trial.suggestInt(`k${i}`, 0, 9)),
  { name: 'image-categorical', dimension: 8, continuous: false, optimum: imageCategoricalOptimum, budget: 100, noisy: true, objective: imageCategorical },
  ordinalProblem('ordinal-logint', Array.from({ length: 512 }, (_, n) => Math.log2(n + 1)), (trial, i) => Math.log2(trial.suggestInt(`n${i}`, 1, 512, { log: true }))),
];

