import { NotFoundError } from '../../errors.js';
import { paretoFront } from '../../multi-objective/front.js';
import { choiceFlag, parseCommandArgs } from '../args.js';
import { formatNumber, formatParam, renderTable, trialToJson } from '../format.js';
import { metricNames } from '../objective-names.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { allTrialsOf, withStudy } from './trials.js';
import { isBetter, isRerun } from '../../storage/records.js';

export const BEST_HELP = `usage: sodate best <study> [--storage URL] [--format table|json]

The best complete trial of a study: its value and parameters. Trials past a constraint
never count, nor re-runs by confirm and ablate (sodate confirm ranks those). For several objectives, the Pareto front: every feasible trial no other
one beats on all objectives (--format json: an array of trials).
`;

export async function bestCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs('best', argv, { storage: { type: 'string' }, format: { type: 'string' } }, { min: 1, max: 1, names: 'a study name' });
  if (values['help']) {
    io.out.write(BEST_HELP);
    return 0;
  }
  const format = choiceFlag('best', 'format', values['format'], ['table', 'json'] as const, 'table');
  return withStudy('best', positionals[0] as string, values['storage'], io, async (storage, study) => {
    const trials = await allTrialsOf(storage, study.id);
    const tuning = trials.filter((t) => !isRerun(t));
    const front = paretoFront(tuning, study.directions);
    if (front.length === 0) {
      const complete = tuning.some((t) => t.state === 'COMPLETE');
      throw new NotFoundError(`sodate best: study "${study.name}" has no ${complete ? 'feasible ' : ''}complete tuning trial yet${complete ? ' (every complete trial is past a constraint)' : ''}`);
    }
    const metrics = metricNames(study.userAttrs, study.directions.length);
    if (study.directions.length > 1) {
      if (format === 'json') {
        println(io.out, JSON.stringify(front.map((t) => ({ study: study.name, directions: study.directions, metrics, ...trialToJson(t) })), null, 2));
        return 0;
      }
      println(io.out, `study ${study.name} (${study.directions.map((d, i) => `${d} ${metrics[i]}`).join(', ')}): Pareto front of ${front.length} trial(s) of ${trials.length}`);
      const names = [...new Set(front.flatMap((t) => Object.keys(t.params)))];
      const rows = front.map((t) => [String(t.number), ...metrics.map((_, i) => formatNumber(t.values?.[i])), ...names.map((n) => (n in t.params ? formatParam(t.params[n] ?? null) : '-'))]);
      println(io.out, renderTable(['number', ...metrics, ...names], rows));
      return 0;
    }
    const best = front.reduce((a, b) => (isBetter(study.direction, b.values?.[0] as number, a.values?.[0] as number) ? b : a));
    const bestValue = best.values?.[0] as number;
    if (format === 'json') {
      println(io.out, JSON.stringify({ study: study.name, direction: study.direction, ...trialToJson(best) }, null, 2));
      return 0;
    }
    const metric = metrics[0] as string;
    println(io.out, `study ${study.name} (${study.direction} ${metric}): best trial ${best.number} of ${trials.length}`);
    println(io.out, `  ${metric}: ${formatNumber(bestValue)}`);
    const width = Math.max(0, ...Object.keys(best.params).map((k) => k.length));
    for (const [name, value] of Object.entries(best.params)) println(io.out, `  ${name.padEnd(width)}  ${formatParam(value)}`);
    return 0;
  });
}
