import { paramImportances } from '../../analysis/index.js';
import type { ImportanceResult } from '../../analysis/index.js';
import { choiceFlag, integerFlag, parseCommandArgs } from '../args.js';
import { UsageError } from '../../errors.js';
import { renderTable } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { allTrialsOf, withStudy } from './trials.js';

export const IMPORTANCE_HELP = `usage: sodate importance <study> [--storage URL] [--method ped-anova|fanova] [--format table|json]
                         [--param NAME]... [--quantile Q] [--seed N]

How much each parameter mattered, as shares summing to 1, from the complete trials.
  --method ped-anova  (default) densities of the top trials vs all trials; fast at any size
  --method fanova     variance decomposition of a random forest; adds pairwise interactions
  --quantile Q        PED-ANOVA's top fraction (default 0.1)
  --seed N            fANOVA's forest seed (default 0)
`;

export async function importanceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'importance',
    argv,
    { storage: { type: 'string' }, method: { type: 'string' }, format: { type: 'string' }, param: { type: 'string', multiple: true }, quantile: { type: 'string' }, seed: { type: 'string' } },
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
    const trials = await allTrialsOf(storage, study.id);
    const result = paramImportances(trials, study.direction, { method, seed, ...(quantile === undefined ? {} : { quantile }), ...(params === undefined ? {} : { params }) });
    if (format === 'json') println(io.out, JSON.stringify({ study: study.name, direction: study.direction, ...result }, null, 2));
    else println(io.out, importanceTable(study.name, result));
    return 0;
  });
}

/** Name, share and a bar, most important first. */
export function importanceTable(study: string, result: ImportanceResult): string {
  const method = result.method === 'fanova' ? 'fANOVA' : 'PED-ANOVA';
  const rows = result.importances.map((p) => [p.name, `${(p.importance * 100).toFixed(1)}%`, '█'.repeat(Math.round(p.importance * 40)) || '·']);
  const lines = [`parameter importance of ${study} (${method}, ${result.nTrials} complete trials)`, '', renderTable(['parameter', 'importance', ''], rows)];
  if (result.interactions !== undefined && result.interactions.length > 0) {
    lines.push('', 'interactions (share of variance beyond the main effects):');
    for (const i of result.interactions) lines.push(`  ${i.params[0]} × ${i.params[1]}  ${(i.importance * 100).toFixed(1)}%`);
  }
  return lines.join('\n');
}
