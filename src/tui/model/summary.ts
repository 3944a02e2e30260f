import type { Direction, FrozenTrial } from '../../storage/records.js';
import { isBaseline } from '../../storage/metadata.js';
import { formatNumber, formatParam } from './format.js';
import { valueOf } from './order.js';
import { bestCompleteTrial } from '../../multi-objective/best.js';
import { isFeasible } from '../../multi-objective/constraints.js';
import { paretoOf } from './pareto.js';
import type { StudyHeader } from './types.js';

/** What stays on the terminal after the dashboard closes: the outcome and the best trial (several objectives: the Pareto front). */
export function summaryLines(header: StudyHeader, trials: readonly FrozenTrial[]): string[] {
  const counts = { COMPLETE: 0, PRUNED: 0, FAIL: 0, RUNNING: 0, WAITING: 0 };
  for (const t of trials) counts[t.state]++;
  // Feasible tuning trials only: a trial past a constraint or a re-run by confirm or ablate is never the best.
  const best = bestCompleteTrial(trials, header.direction);
  const total = trials.length - counts.WAITING;
  const pareto = paretoOf(header, trials);
  const outcome = header.ended === undefined ? '' : ` done (${header.ended}):`;
  const lines = [`study ${header.name}:${outcome} ${total} trials, ${counts.COMPLETE} complete, ${counts.PRUNED} pruned, ${counts.FAIL} failed${counts.RUNNING > 0 ? `, ${counts.RUNNING} running` : ''}`];
  if (pareto !== undefined) {
    const metrics = (header.directions ?? []).map((_, i) => header.metrics?.[i] ?? `value_${i}`);
    const front = pareto.front.map((p) => {
      const values = trials.find((t) => t.number === p.number)?.values ?? [];
      return `#${p.number} ${metrics.map((m, i) => `${m}=${formatNumber(values[i], 6)}`).join(' ')}`;
    });
    lines.push(front.length === 0 ? 'Pareto front: no feasible complete trial' : `Pareto front (${front.length} trial${front.length === 1 ? '' : 's'}): ${front.join('; ')}`);
  } else if (best !== undefined) {
    const params = Object.entries(best.params)
      .map(([k, v]) => `${k}=${formatParam(v)}`)
      .join(' ');
    lines.push(`best ${header.metric}=${formatNumber(valueOf(best), 6)} at trial ${best.number}: ${params}`);
    const baseline = baselineLine(trials, best, header.metric, header.direction);
    if (baseline !== undefined) lines.push(baseline);
  }
  return lines;
}

/**
 * How far the best trial improves on the space file's baseline (the first COMPLETE trial
 * marked `sodate:baseline`), in one line; undefined without a baseline, or when it is the
 * best. One objective only. The dashboard's closing lines and the plain reporter's end both
 * print it, so the two say the same.
 */
export function baselineLine(trials: readonly FrozenTrial[], best: FrozenTrial | undefined, metric: string, direction: Direction): string | undefined {
  const baseline = trials.find((t) => isBaseline(t) && t.state === 'COMPLETE');
  const from = baseline?.values?.[0];
  const to = best?.values?.[0];
  if (baseline === undefined || from === undefined || to === undefined || baseline.number === best?.number) return undefined;
  const gain = direction === 'minimize' ? from - to : to - from;
  // Only a baseline that cannot be the best (one past a constraint) can be better than it.
  const how = gain >= 0 ? `best improves on it by ${formatNumber(gain, 6)}` : `best is ${formatNumber(-gain, 6)} worse${isFeasible(baseline) ? '' : ' (the baseline misses a constraint)'}`;
  return `baseline (trial ${baseline.number}) ${metric}=${formatNumber(from, 6)}; ${how}`;
}
