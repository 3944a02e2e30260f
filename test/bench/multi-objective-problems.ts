/**
 * The multi-objective suite of test/bench/multi-objective.bench.ts: ZDT1, ZDT2 (Zitzler,
 * Deb & Thiele 2000), DTLZ2 (Deb, Thiele, Laumanns & Zitzler 2002) and its constrained
 * form C2-DTLZ2 (Jain & Deb 2014, "An evolutionary many-objective optimization algorithm
 * using reference-point based nondominated sorting approach, part II", r = 0.4 for three
 * objectives). Every variable is x<i> in [0, 1]; every objective is minimised. Each
 * problem states the reference point its hypervolume is taken against and the
 * hypervolume of its true Pareto front there, so a run reads as a fraction of the best
 * reachable. test/bench/optuna/multi_objective.py holds the same formulas in Python;
 * test/multi-objective/problems.test.ts checks that the two agree.
 *
 * Reference points: [1.1, 1.1, 1.1] for DTLZ2 and C2-DTLZ2, as is common in the
 * literature (the true fronts lie in [0, 1]³). For ZDT1 and ZDT2, 1.1 × each objective's
 * largest value over the box, [1.1, 11] (f1 ≤ 1, f2 ≤ g ≤ 10), rather than the usual
 * [1.1, 1.1]: with 30 variables a point lands inside [1.1, 1.1] only once g < 1.1, i.e.
 * x1 … x29 average below 0.011, which no sampler here reaches in 300 trials (every one
 * scored 0 there), so that reference would rank nothing.
 */

export interface MultiObjectiveEvaluation {
  /** One value per objective, all minimised. */
  readonly values: number[];
  /** Optuna's constraint values: ≤ 0 satisfied. Empty for an unconstrained problem. */
  readonly constraints: number[];
}

export interface MultiObjectiveProblem {
  readonly name: string;
  readonly nObjectives: number;
  /** Variables x0 … x<n-1>, each in [0, 1]. */
  readonly nVariables: number;
  readonly reference: readonly number[];
  /** Hypervolume of the true (feasible) Pareto front with respect to `reference`. */
  readonly trueHypervolume: number;
  /** How `trueHypervolume` was obtained. */
  readonly trueHypervolumeNote: string;
  readonly evaluate: (x: readonly number[]) => MultiObjectiveEvaluation;
}

/** ZDT's g: 1 + 9 · mean of x1 … x<n-1>. */
function zdtG(x: readonly number[]): number {
  let sum = 0;
  for (let i = 1; i < x.length; i++) sum += x[i] as number;
  return 1 + (9 * sum) / (x.length - 1);
}

export function zdt1(x: readonly number[]): number[] {
  const f1 = x[0] as number;
  const g = zdtG(x);
  return [f1, g * (1 - Math.sqrt(f1 / g))];
}

export function zdt2(x: readonly number[]): number[] {
  const f1 = x[0] as number;
  const g = zdtG(x);
  return [f1, g * (1 - (f1 / g) ** 2)];
}

/** DTLZ2 with `m` objectives: the first m−1 variables place the point on the sphere, the rest (g) push it out. */
export function dtlz2(x: readonly number[], m: number): number[] {
  let g = 0;
  for (let i = m - 1; i < x.length; i++) g += ((x[i] as number) - 0.5) ** 2;
  const out: number[] = [];
  for (let k = 0; k < m; k++) {
    let f = 1 + g;
    for (let j = 0; j < m - 1 - k; j++) f *= Math.cos(((x[j] as number) * Math.PI) / 2);
    if (k > 0) f *= Math.sin(((x[m - 1 - k] as number) * Math.PI) / 2);
    out.push(f);
  }
  return out;
}

/**
 * C2-DTLZ2's constraint (≤ 0 feasible): inside a sphere of radius r around one of the
 * corner points (1, 0, …), or around the front's centre (1/√m, …, 1/√m).
 */
export function c2dtlz2Constraint(f: readonly number[], r: number): number {
  const m = f.length;
  let corner = Infinity;
  for (let i = 0; i < m; i++) {
    let s = ((f[i] as number) - 1) ** 2 - r * r;
    for (let j = 0; j < m; j++) if (j !== i) s += (f[j] as number) ** 2;
    corner = Math.min(corner, s);
  }
  let centre = -r * r;
  for (let i = 0; i < m; i++) centre += ((f[i] as number) - 1 / Math.sqrt(m)) ** 2;
  return Math.min(corner, centre);
}

const ZDT_REFERENCE = [1.1, 11];
const DTLZ_REFERENCE = [1.1, 1.1, 1.1];

export const MULTI_OBJECTIVE_PROBLEMS: readonly MultiObjectiveProblem[] = [
  {
    name: 'zdt1',
    nObjectives: 2,
    nVariables: 30,
    reference: ZDT_REFERENCE,
    // Front f2 = 1 − √f1 on [0, 1]: ∫ (11 − 1 + √f1) df1 = 10 + 2/3, plus the strip f1 ∈ [1, 1.1] (0.1 × 11).
    trueHypervolume: 10 + 2 / 3 + 1.1,
    trueHypervolumeNote: 'exact: 10 + 2/3 + 1.1',
    evaluate: (x) => ({ values: zdt1(x), constraints: [] }),
  },
  {
    name: 'zdt2',
    nObjectives: 2,
    nVariables: 30,
    reference: ZDT_REFERENCE,
    // Front f2 = 1 − f1²: ∫ (10 + f1²) df1 = 10 + 1/3, plus 1.1.
    trueHypervolume: 10 + 1 / 3 + 1.1,
    trueHypervolumeNote: 'exact: 10 + 1/3 + 1.1',
    evaluate: (x) => ({ values: zdt2(x), constraints: [] }),
  },
  {
    name: 'dtlz2',
    nObjectives: 3,
    nVariables: 12,
    reference: DTLZ_REFERENCE,
    // Front: the unit sphere's positive octant; the box 1.1³ less the octant of the unit ball.
    trueHypervolume: 1.1 ** 3 - Math.PI / 6,
    trueHypervolumeNote: 'exact: 1.1³ − π/6',
    evaluate: (x) => ({ values: dtlz2(x, 3), constraints: [] }),
  },
  {
    name: 'c2-dtlz2',
    nObjectives: 3,
    nVariables: 12,
    reference: DTLZ_REFERENCE,
    // The feasible front is the part of the sphere octant inside the four radius-0.4 balls
    // (a feasible point off the sphere is dominated by the feasible sphere point in its
    // direction). Integrated on an 8000² grid of (f1, f2): lower and upper Riemann sums
    // 0.72952 and 0.72974; the same sums miss DTLZ2's exact value by less than 1e-4.
    trueHypervolume: 0.72963,
    trueHypervolumeNote: 'numerical (8000² grid), ±1e-4',
    evaluate: (x) => {
      const values = dtlz2(x, 3);
      return { values, constraints: [c2dtlz2Constraint(values, 0.4)] };
    },
  },
];

/** The problem's variables, as a trial would be asked for them. */
export function variableNames(problem: MultiObjectiveProblem): string[] {
  return Array.from({ length: problem.nVariables }, (_, i) => `x${i}`);
}
