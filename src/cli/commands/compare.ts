import { compareArms, splitByParam } from '../../analysis/index.js';
import type { CompareArmInput, CompareResult } from '../../analysis/index.js';
import type { FrozenTrial, StudyRecord } from '../../storage/records.js';
import { choiceFlag, parseCommandArgs } from '../args.js';
import { UsageError } from '../../errors.js';
import { formatNumber, renderTable } from '../format.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { allTrialsOf, withStudy } from './trials.js';

export const COMPARE_HELP = `usage: sodate compare <arm> <arm>... [--storage URL] [--param NAME] [--format table|json]

Side by side, for A/B questions ("did EMA help?"). An arm is a study name, or
LABEL=STUDY,STUDY,... to pool several studies (one per seed, say) into one arm:
  sodate compare ema=ema-s0,ema-s1,ema-s2 base=base-s0,base-s1,base-s2
Shows each study's best value, the mean and spread of the bests over seeds, the
distribution of all complete trials' values, and how likely each arm beats the first.
  --param NAME   split each arm by that parameter's value (one study suffices:
                 sodate compare my-study --param ema)
`;

export async function compareCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs('compare', argv, { storage: { type: 'string' }, param: { type: 'string' }, format: { type: 'string' } }, { min: 1, max: 64, names: 'one or more studies' });
  if (values['help']) {
    io.out.write(COMPARE_HELP);
    return 0;
  }
  const format = choiceFlag('compare', 'format', values['format'], ['table', 'json'] as const, 'table');
  const param = typeof values['param'] === 'string' ? values['param'] : undefined;
  if (positionals.length < 2 && param === undefined) throw new UsageError('sodate compare: give two or more studies, or one with --param NAME; see `sodate compare --help`');
  const specs = positionals.map((p) => {
    const eq = p.indexOf('=');
    const label = eq > 0 ? p.slice(0, eq) : p;
    const names = (eq > 0 ? p.slice(eq + 1) : p).split(',').filter((s) => s !== '');
    if (names.length === 0) throw new UsageError(`sodate compare: arm "${p}" names no study`);
    return { label, names };
  });
  const arms: CompareArmInput[] = [];
  for (const spec of specs) {
    const studies: { study: StudyRecord; trials: FrozenTrial[] }[] = [];
    for (const name of spec.names) studies.push(await withStudy('compare', name, values['storage'], io, async (storage, study) => ({ study, trials: await allTrialsOf(storage, study.id) })));
    arms.push({ label: spec.label, studies });
  }
  const result = compareArms(param === undefined ? arms : splitByParam(arms, param));
  println(io.out, format === 'json' ? JSON.stringify(result, null, 2) : compareTable(result));
  return 0;
}

export function compareTable(result: CompareResult): string {
  const header = ['arm', 'studies', 'trials', 'best', 'best mean ± sd', 'median', 'q25', 'q75', `P(beats ${result.arms[0]?.label ?? 'first'})`];
  const rows = result.arms.map((arm, k) => {
    const vs = k === 0 ? undefined : result.versus[k - 1];
    const seeds = arm.bests.filter((b) => b.best !== null).length;
    return [
      arm.label,
      String(arm.bests.length),
      String(arm.values.n),
      formatNumber(arm.bestOverall),
      seeds > 1 ? `${formatNumber(arm.bestMean)} ± ${formatNumber(arm.bestStd)}` : formatNumber(arm.bestMean),
      formatNumber(arm.values.median),
      formatNumber(arm.values.q25),
      formatNumber(arm.values.q75),
      vs === undefined || vs.pTrialBetter === null ? '-' : `${(vs.pTrialBetter * 100).toFixed(0)}% trials${vs.pBestBetter === null ? '' : `, ${(vs.pBestBetter * 100).toFixed(0)}% bests`}`,
    ];
  });
  const perStudy = result.arms.flatMap((arm) => arm.bests.map((b) => [arm.label, b.study, String(b.complete), formatNumber(b.best)]));
  const empty = result.arms.filter((arm) => arm.values.n === 0).map((arm) => arm.label);
  return [
    `${result.direction} ${result.metric}: lower is better`.replace('lower', result.direction === 'minimize' ? 'lower' : 'higher'),
    '',
    renderTable(header, rows),
    ...(empty.length === 0 ? [] : [`no complete trial in ${empty.join(', ')}: shown as -, and nothing is compared with ${empty.length === 1 ? 'it' : 'them'}`]),
    '',
    renderTable(['arm', 'study', 'complete', 'best'], perStudy),
  ].join('\n');
}
