import { paramImportances } from '../../analysis/index.js';
import type { ImportanceResult } from '../../analysis/index.js';
import { choiceFlag, integerFlag, parseCommandArgs } from '../args.js';
import { UsageError } from '../../errors.js';
import { renderTable } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { metricNames } from '../objective-names.js';
import { allTrialsOf, withStudy } from './trials.js';

export const IMPORTANCE_HELP = `usage: sodate importance <study> [--storage URL] [--method ped-anova|fanova] [--format table|json]
                         [--objective N|NAME] [--param NAME]... [--quantile Q] [--seed N]

How much each parameter mattered, as shares summing to 1, from the complete trials that
may be the best (as for sodate best: trials past a constraint and re-runs by confirm and
ablate are left out). When every such trial has the same value, it says importance cannot
be measured instead.
  --method ped-anova  (default) densities of the top trials vs all trials; fast at any size
  --method fanova     variance decomposition of a random forest; adds pairwise interactions
  --objective N|NAME  the objective to rank in a study of several: its metric name, or its
                      index from 0 (values_N in sodate export); default the first
  --quantile Q        PED-ANOVA's top fraction (default 0.1)
  --seed N            fANOVA's forest seed (default 0)
`;

/** The objective ranked: its index into a trial's values and its metric name. */
export interface RankedObjective {
  readonly index: number;
  readonly name: string;
  /** How many objectives the study has. */
  readonly of: number;
}

export async function importanceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'importance',
    argv,
    { storage: { type: 'string' }, method: { type: 'string' }, format: { type: 'string' }, objective: { type: 'string' }, param: { type: 'string', multiple: true }, quantile: { type: 'string' }, seed: { type: 'string' } },
    { min: 1, max: 1, names: 'a study name' },
  );
  if (values['help']) {
    io.out.write(IMPORTANCE_HELP);
    return 0;
  }
  const method = choiceFlag('importance', 'method', values['method'], ['ped-anova', 'fanova'] as const, 'ped-anova');
  const format = choiceFlag('importance', 'format', values['format'], ['table', 'json'] as const, 'table');
  const seed = integerFlag('importance', 'seed', values['seed']) ?? 0;
  const rawQuantile = values['quantile'];
  const quantile = rawQuantile === undefined ? undefined : Number(rawQuantile);
  if (quantile !== undefined && !(quantile > 0 && quantile < 1)) throw new UsageError(`sodate importance: --quantile expects a number within (0, 1), got ${JSON.stringify(rawQuantile)}`);
  const params = (values as Record<string, unknown>)['param'] as string[] | undefined;
  return withStudy('importance', positionals[0] as string, values['storage'], io, async (storage, study) => {
    const names = metricNames(study.userAttrs, study.directions.length);
    const objective = rankedObjective(values['objective'], names);
    const direction = study.directions[objective.index] ?? study.direction;
    const trials = await allTrialsOf(storage, study.id);
    const result = paramImportances(trials, direction, { method, seed, objective: objective.index, ...(quantile === undefined ? {} : { quantile }), ...(params === undefined ? {} : { params }) });
    if (format === 'json') println(io.out, JSON.stringify(importanceJson(study.name, objective, direction, result), null, 2));
    else println(io.out, importanceTable(study.name, result, objective));
    return 0;
  });
}

/** `--objective`: a metric name, or an index from 0; default the first objective. */
function rankedObjective(raw: string | boolean | undefined, names: readonly string[]): RankedObjective {
  if (raw === undefined) return { index: 0, name: names[0] as string, of: names.length };
  const byName = typeof raw === 'string' ? names.indexOf(raw) : -1;
  const index = byName >= 0 ? byName : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : -1;
  if (!(index >= 0 && index < names.length)) {
    const choices = names.map((n, i) => `${i} (${n})`).join(', ');
    throw new UsageError(`sodate importance: --objective expects an objective's name or index, one of ${choices}; got ${JSON.stringify(raw)}`);
  }
  return { index, name: names[index] as string, of: names.length };
}

/**
 * What `--format json` prints. Where importance cannot be measured (the objective has one
 * value across the trials), `importances` is empty and `note` says why.
 */
function importanceJson(study: string, objective: RankedObjective, direction: string, result: ImportanceResult): Record<string, unknown> {
  const measured = result.note === undefined;
  return {
    study,
    objective: { index: objective.index, name: objective.name },
    direction,
    method: result.method,
    importances: measured ? result.importances : [],
    ...(result.interactions === undefined ? {} : { interactions: measured ? result.interactions : [] }),
    nTrials: result.nTrials,
    infeasible: result.infeasible,
    ...(measured ? {} : { note: result.note }),
  };
}

/** Name, share and a bar, most important first; the objective ranked when the study has several. */
export function importanceTable(study: string, result: ImportanceResult, objective?: RankedObjective): string {
  const method = result.method === 'fanova' ? 'fANOVA' : 'PED-ANOVA';
  const which = objective !== undefined && objective.of > 1 ? ` for ${objective.name} (objective ${objective.index} of ${objective.of}, counted from 0)` : '';
  const left = result.infeasible > 0 ? `; ${result.infeasible} infeasible left out` : '';
  const header = `parameter importance of ${study}${which} (${method}, ${result.nTrials} complete trials${left})`;
  if (result.note !== undefined) return [header, '', result.note].join('\n');
  const rows = result.importances.map((p) => [p.name, `${(p.importance * 100).toFixed(1)}%`, '█'.repeat(Math.round(p.importance * 40)) || '·']);
  const lines = [header, '', renderTable(['parameter', 'importance', ''], rows)];
  if (result.interactions !== undefined && result.interactions.length > 0) {
    lines.push('', 'interactions (share of variance beyond the main effects):');
    for (const i of result.interactions) lines.push(`  ${i.params[0]} × ${i.params[1]}  ${(i.importance * 100).toFixed(1)}%`);
  }
  return lines.join('\n');
}
