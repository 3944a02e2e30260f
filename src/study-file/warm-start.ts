import type { SearchSpace } from '../space/search-space.js';
import type { Path, YamlSource } from '../space/yaml-source.js';
import { checkKeys, isMapping } from './checks.js';
import { parseParamValues } from './params.js';
import type { WarmStartSpec } from './study-file.js';

/** A study file's `warmStart:` section: the earlier study whose trials seed this one, and how to read them. */
export function parseWarmStart(src: YamlSource, raw: unknown, space: SearchSpace): WarmStartSpec | undefined {
  if (raw === undefined) return undefined;
  const path: Path = ['warmStart'];
  if (!isMapping(raw)) throw src.error(path, 'a mapping such as { from: image-baseline-v1 } or { from: old, storage: studies/old.db }', raw);
  checkKeys(src, path, raw, ['from', 'storage', 'assume', 'enqueueBest', 'outside']);
  const from = raw['from'];
  if (typeof from !== 'string' || from.trim().length === 0) throw src.error([...path, 'from'], 'the name of an earlier study', from);
  const storage = raw['storage'];
  if (storage !== undefined && (typeof storage !== 'string' || storage.length === 0)) throw src.error([...path, 'storage'], 'a storage URL or SQLite file such as studies/old.db', storage);
  const enqueueBest = raw['enqueueBest'];
  if (enqueueBest !== undefined && typeof enqueueBest !== 'boolean') throw src.error([...path, 'enqueueBest'], 'true or false', enqueueBest);
  const outside = raw['outside'];
  if (outside !== undefined && outside !== 'drop' && outside !== 'clip') throw src.error([...path, 'outside'], 'drop or clip', outside);
  const assume = raw['assume'] === undefined ? undefined : parseParamValues(src, [...path, 'assume'], raw['assume'], space, 'such as { ema: false }');
  return {
    from,
    ...(storage === undefined ? {} : { storage: storage as string }),
    ...(assume === undefined ? {} : { assume }),
    ...(enqueueBest === undefined ? {} : { enqueueBest }),
    ...(outside === undefined ? {} : { outside }),
    line: src.lineOf(path),
  };
}
