import { NotFoundError } from '../../errors.js';
import { bestValueOf } from '../../storage/shared.js';
import { choiceFlag, parseCommandArgs } from '../args.js';
import { formatNumber, formatParam, trialToJson } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { allTrialsOf, withStudy } from './trials.js';

export const BEST_HELP = `usage: sodate best <study> [--storage URL] [--format table|json]

The best complete trial of a study: its value and parameters.
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
    const bestValue = bestValueOf(trials, study.direction);
    const best = trials.find((t) => t.state === 'COMPLETE' && t.values?.[0] === bestValue);
    if (bestValue === null || best === undefined) throw new NotFoundError(`sodate best: study "${study.name}" has no complete trial yet`);
    if (format === 'json') {
      println(io.out, JSON.stringify({ study: study.name, direction: study.direction, ...trialToJson(best) }, null, 2));
      return 0;
    }
    const metric = typeof study.userAttrs['metric'] === 'string' ? study.userAttrs['metric'] : 'value';
    println(io.out, `study ${study.name} (${study.direction} ${metric}): best trial ${best.number} of ${trials.length}`);
    println(io.out, `  ${metric}: ${formatNumber(bestValue)}`);
    const width = Math.max(0, ...Object.keys(best.params).map((k) => k.length));
    for (const [name, value] of Object.entries(best.params)) println(io.out, `  ${name.padEnd(width)}  ${formatParam(value)}`);
    return 0;
  });
}
