import type { Path, YamlSource } from '../space/yaml-source.js';
import { formatPath } from '../space/yaml-source.js';
import { checkKeys, isMapping } from './checks.js';
import type { PolicySpec } from './study-file.js';

/** A `sampler:` or `pruner:` entry (a kind, or a mapping of a kind and its options), checked against the kinds and option keys the catalog knows. */

export function parsePolicy(src: YamlSource, key: 'sampler' | 'pruner', raw: unknown, known: Readonly<Record<string, readonly string[]>>): PolicySpec | undefined {
  if (raw === undefined) return undefined;
  return parsePolicyAt(src, [key], key, raw, known);
}

export function parsePolicyAt(src: YamlSource, path: Path, key: 'sampler' | 'pruner', raw: unknown, known: Readonly<Record<string, readonly string[]>>): PolicySpec {
  const spec = typeof raw === 'string' ? { kind: raw } : raw;
  if (!isMapping(spec)) throw src.error(path, `a ${key} name or a mapping such as { kind: ${Object.keys(known)[0] ?? 'random'} }`, raw);
  const kind = spec['kind'];
  if (typeof kind !== 'string') throw src.error([...path, 'kind'], `one of: ${Object.keys(known).join(', ')}`, kind);
  const optionKeys = known[kind];
  if (optionKeys === undefined) throw src.fail([...path, 'kind'], `unknown ${key} "${kind}"; expected one of: ${Object.keys(known).join(', ')}`);
  const { kind: _kind, ...options } = spec;
  checkKeys(src, path, options, ['kind', ...optionKeys]);
  const optionLines = Object.fromEntries(Object.keys(options).map((option) => [option, src.lineOf([...path, option])]));
  return { kind, options, line: src.lineOf(path), path: formatPath(path), optionLines };
}
