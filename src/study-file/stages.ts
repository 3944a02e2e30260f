import type { SearchSpace } from '../space/search-space.js';
import type { Carry, StageSpec } from '../space/stages.js';
import type { Path, YamlSource } from '../space/yaml-source.js';
import { checkKeys, isMapping } from './checks.js';
import { parsePolicyAt } from './policies.js';
import type { PolicyCatalog } from './study-file.js';

/**
 * A study file's `stages:` list: each stage opens some parameters (every parameter exactly
 * once, a conditional one no earlier than its parent), with its own trial budget and
 * optionally its own sampler and pruner.
 */
export function parseStages(src: YamlSource, raw: unknown, space: SearchSpace, catalog: PolicyCatalog): StageSpec[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) throw src.error(['stages'], 'a list of stages such as - { name: lr, params: [lr, optimizer], trials: 20 }', raw);
  const openedBy = new Map<string, number>();
  const stages: StageSpec[] = [];
  raw.forEach((entry, i) => {
    const path: Path = ['stages', i];
    if (!isMapping(entry)) throw src.error(path, 'a mapping with name, params and trials', entry);
    checkKeys(src, path, entry, ['name', 'params', 'trials', 'sampler', 'pruner', 'carry']);
    const name = entry['name'];
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]+$/.test(name)) throw src.error([...path, 'name'], 'a stage name of letters, digits, "-" or "_"', name);
    if (stages.some((s) => s.name === name)) throw src.fail([...path, 'name'], `stage "${name}" is named twice`);
    const params = entry['params'];
    if (!Array.isArray(params) || params.length === 0 || !params.every((p) => typeof p === 'string')) throw src.error([...path, 'params'], 'a list of parameter names', params);
    for (const p of params as string[]) {
      if (!space.params.some((s) => s.name === p)) throw src.fail([...path, 'params'], `"${p}" is not a parameter; known: ${space.params.map((s) => s.name).join(', ')}`);
      const earlier = openedBy.get(p);
      if (earlier !== undefined) throw src.fail([...path, 'params'], `"${p}" is already opened by stage ${(stages[earlier] as StageSpec).name}; each parameter belongs to one stage`);
      openedBy.set(p, i);
    }
    const trials = entry['trials'];
    if (!(Number.isInteger(trials) && (trials as number) > 0)) throw src.error([...path, 'trials'], 'a positive integer (the stage\'s trial budget)', trials);
    const carry = entry['carry'] ?? 'fix';
    if (carry !== 'fix' && carry !== 'narrow') throw src.error([...path, 'carry'], 'fix or narrow', carry);
    const sampler = entry['sampler'] === undefined ? undefined : parsePolicyAt(src, [...path, 'sampler'], 'sampler', entry['sampler'], catalog.samplers);
    const pruner = entry['pruner'] === undefined ? undefined : parsePolicyAt(src, [...path, 'pruner'], 'pruner', entry['pruner'], catalog.pruners);
    stages.push({ name, params: params as string[], trials: trials as number, carry: carry as Carry, line: src.lineOf(path), ...(sampler === undefined ? {} : { sampler }), ...(pruner === undefined ? {} : { pruner }) });
  });
  const unopened = space.params.filter((p) => !openedBy.has(p.name)).map((p) => p.name);
  if (unopened.length > 0) throw src.fail(['stages'], `no stage opens ${unopened.join(', ')}; add ${unopened.length === 1 ? 'it' : 'them'} to a stage's params`);
  for (const spec of space.params) {
    for (const parent of Object.keys(spec.when ?? {})) {
      const at = openedBy.get(spec.name) as number;
      if ((openedBy.get(parent) as number) > at) {
        throw src.fail(['stages', at, 'params'], `"${spec.name}" depends on "${parent}", which a later stage opens; open "${parent}" in stage ${(stages[at] as StageSpec).name} or before`);
      }
    }
  }
  return stages;
}
