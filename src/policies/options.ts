import { OptionError } from '../errors.js';

/**
 * Refuse option keys a sampler or pruner does not know (a typo in a space file or a JS
 * caller's options must not pass silently): the one check every policy's options go through,
 * against the keys its class exports.
 */
export function checkKnownKeys(owner: string, options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OptionError(`${owner} options must be an object, got ${typeof options === 'number' ? String(options) : (JSON.stringify(options) ?? String(options))}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new OptionError(`${owner} has no option "${key}"; known options: ${known.join(', ') || '(none)'}`);
  }
}
