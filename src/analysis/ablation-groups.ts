import type { ParamValue } from '../space/distributions.js';
import type { SearchSpace } from '../space/search-space.js';
import type { AblationGroup, AblationStage } from './ablation.js';

/** The parameters' order in the space, then any the space does not declare (by name). */
function orderedNames(space: SearchSpace, names: Iterable<string>): string[] {
  const position = new Map(space.params.map((p, i) => [p.name, i]));
  return [...names].sort((a, b) => (position.get(a) ?? Infinity) - (position.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The groups of parameters that differ between baseline and target: a parameter whose
 * condition names another differing parameter is in that one's group (transitively), so
 * flipping any set of groups gives a configuration whose parameters are exactly the active ones.
 */
export function ablationGroups(space: SearchSpace, baseline: Readonly<Record<string, ParamValue>>, target: Readonly<Record<string, ParamValue>>): AblationGroup[] {
  const all = new Set([...Object.keys(baseline), ...Object.keys(target)]);
  const differing = orderedNames(space, [...all].filter((n) => baseline[n] !== target[n]));
  const parentOf = new Map<string, string>(differing.map((n) => [n, n]));
  const find = (n: string): string => {
    let root = n;
    while (parentOf.get(root) !== root) root = parentOf.get(root) as string;
    return root;
  };
  for (const spec of space.params) {
    if (!parentOf.has(spec.name)) continue;
    for (const parent of Object.keys(spec.when ?? {})) {
      if (parentOf.has(parent)) parentOf.set(find(spec.name), find(parent));
    }
  }
  const groups = new Map<string, string[]>();
  for (const name of differing) {
    const root = find(name);
    groups.set(root, [...(groups.get(root) ?? []), name]);
  }
  // Groups in the order of their first parameter; `differing` is already in space order.
  return [...groups.values()].map((names) => ({
    names,
    changes: names.map((name) => ({ name, from: baseline[name] ?? null, to: target[name] ?? null })),
  }));
}

/**
 * The groups of a staged study's ablation: one per stage, the differing parameters it opened,
 * in stage order. A conditional parameter a later stage opened moves with its differing parent
 * (as in `ablationGroups`), so it is flipped with the parent's stage; a differing parameter
 * no stage opened keeps a group of its own, after the stages.
 */
export function stageAblationGroups(
  space: SearchSpace,
  stages: readonly AblationStage[],
  baseline: Readonly<Record<string, ParamValue>>,
  target: Readonly<Record<string, ParamValue>>,
): AblationGroup[] {
  const openedAt = new Map<string, number>();
  stages.forEach((s, i) => s.opens.forEach((p) => openedAt.set(p, i)));
  const byStage = new Map<number, string[]>();
  const loose: AblationGroup[] = [];
  for (const group of ablationGroups(space, baseline, target)) {
    const at = Math.min(...group.names.map((n) => openedAt.get(n) ?? Infinity));
    if (at === Infinity) loose.push(group);
    else byStage.set(at, [...(byStage.get(at) ?? []), ...group.names]);
  }
  const staged = [...byStage.entries()]
    .sort(([a], [b]) => a - b)
    .map(([at, names]) => {
      const ordered = orderedNames(space, names);
      return { names: ordered, changes: ordered.map((name) => ({ name, from: baseline[name] ?? null, to: target[name] ?? null })), stage: (stages[at] as AblationStage).name };
    });
  return [...staged, ...loose];
}
