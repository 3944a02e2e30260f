/**
 * What a space file's parameters changed since a study's last `sodate tune` (the file text it
 * stored): resumed, the study keeps its earlier trials under their old distributions and the
 * samplers read them as they were, so a moved range or an added parameter would mix two
 * searches without a word unless `tune` says so.
 */
import type { Distribution } from '../space/distributions.js';
import { sameDistribution } from '../space/distributions.js';
import type { SearchSpace } from '../space/search-space.js';

/** A distribution as a space file's reader thinks of it: `float [0.001, 0.1] log`, `choice [a, b]`. */
export function describeDistribution(d: Distribution): string {
  if (d.kind === 'categorical') return `choice [${d.choices.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))).join(', ')}]`;
  return `${d.kind} [${d.low}, ${d.high}]${d.log ? ' log' : ''}${d.step === null || (d.kind === 'int' && d.step === 1) ? '' : ` step ${d.step}`}`;
}

/** One clause per parameter added, removed or given another distribution; empty when none was. */
export function spaceChanges(before: SearchSpace, after: SearchSpace): string[] {
  const old = new Map(before.params.map((p) => [p.name, p.distribution]));
  const now = new Map(after.params.map((p) => [p.name, p.distribution]));
  const changes: string[] = [];
  for (const [name, distribution] of now) {
    const was = old.get(name);
    if (was === undefined) changes.push(`${name} added`);
    else if (!sameDistribution(was, distribution)) changes.push(`${name} ${describeDistribution(was)} → ${describeDistribution(distribution)}`);
  }
  for (const name of old.keys()) if (!now.has(name)) changes.push(`${name} removed`);
  return changes;
}
