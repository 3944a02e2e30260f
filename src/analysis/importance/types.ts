export type ImportanceMethod = 'ped-anova' | 'fanova';

export interface ParamImportance {
  readonly name: string;
  /** Share of the total, in [0, 1]; the shares of a result sum to 1. */
  readonly importance: number;
}

export interface ParamInteraction {
  readonly params: readonly [string, string];
  /** Share of the variance of the forest's predictions explained by the pair jointly beyond its two main effects. */
  readonly importance: number;
}

export interface ImportanceResult {
  readonly method: ImportanceMethod;
  /** Most important first. */
  readonly importances: readonly ParamImportance[];
  /** Feasible COMPLETE tuning trials with a finite value of the objective, which the analysis read. */
  readonly nTrials: number;
  /** fANOVA only: pairwise interactions among the most important parameters, strongest first. */
  readonly interactions?: readonly ParamInteraction[];
  /** The objective ranked: an index into a trial's values. */
  readonly objective: number;
  /** COMPLETE tuning trials left out because they are past a constraint. */
  readonly infeasible: number;
  /**
   * Why the shares carry no information, when they do not: every trial read has the same
   * value of the objective. The shares are then equal (and interactions empty).
   */
  readonly note?: string;
}

export interface ImportanceOptions {
  /** Default 'ped-anova'. */
  readonly method?: ImportanceMethod;
  /** Which objective to rank, as an index into a trial's values (give its direction as `direction`). Default 0. */
  readonly objective?: number;
  /** Seed of the random forest (fANOVA). Default 0. */
  readonly seed?: number;
  /** Only these parameters. Default: every parameter the trials used. */
  readonly params?: readonly string[];
  /** PED-ANOVA: the top quantile γ′ whose density is compared to all trials'. Default 0.1. */
  readonly quantile?: number;
  /** fANOVA: trees in the forest. Default 32. */
  readonly trees?: number;
  /** fANOVA: trials drawn (with replacement) for each tree. Default min(n, 2048). */
  readonly maxSamples?: number;
}

/** Importances sorted most important first, normalized to sum to 1 (equal shares when all are 0). */
export function normalizeImportances(raw: readonly { name: string; value: number }[]): ParamImportance[] {
  const clean = raw.map((r) => ({ name: r.name, value: Number.isFinite(r.value) && r.value > 0 ? r.value : 0 }));
  const total = clean.reduce((s, r) => s + r.value, 0);
  const shares = clean.map((r) => ({ name: r.name, importance: total > 0 ? r.value / total : clean.length > 0 ? 1 / clean.length : 0 }));
  return shares.sort((a, b) => b.importance - a.importance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
