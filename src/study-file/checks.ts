import type { Path, YamlSource } from '../space/yaml-source.js';

/** The checks every section of a study file makes on the YAML it was given. */

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkKeys(src: YamlSource, path: Path, obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw src.fail([...path, key], `unknown key "${key}"; expected one of: ${allowed.join(', ')}`);
  }
}

export function optionalString(src: YamlSource, obj: Record<string, unknown>, key: string): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw src.error([key], 'a non-empty string', value);
  return value;
}
