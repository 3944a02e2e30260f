import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integerFlag, parseCommandArgs } from '../../src/cli/args.js';
import { main } from '../../src/cli/index.js';
import { UsageError } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/cli.js';

const OPTIONS = { trials: { type: 'string' }, seed: { type: 'string', short: 's' }, param: { type: 'string', multiple: true }, 'keep-files': { type: 'boolean' } } as const;
const ONE_FILE = { min: 1, max: 1, names: 'one space file' };

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandArgs', () => {
  it('takes a negative number after an option with a value as that value, like --opt=-3', () => {
    const spaced = parseCommandArgs('tune', ['flat.yaml', '--trials', '-3'], OPTIONS, ONE_FILE);
    const joined = parseCommandArgs('tune', ['flat.yaml', '--trials=-3'], OPTIONS, ONE_FILE);
    expect(spaced.values['trials']).toBe('-3');
    expect(spaced).toEqual(joined);
  });

  it('takes negative decimals and exponents, short options and repeated options the same way', () => {
    const parsed = parseCommandArgs('tune', ['-s', '-0.5', '--param', '-1e-3', '--param', '-.25', 'flat.yaml'], OPTIONS, ONE_FILE);
    expect(parsed.values).toMatchObject({ seed: '-0.5', param: ['-1e-3', '-.25'] });
    expect(parsed.positionals).toEqual(['flat.yaml']);
  });

  it('leaves arguments after -- as positionals', () => {
    expect(parseCommandArgs('tune', ['--', '-3'], OPTIONS, ONE_FILE).positionals).toEqual(['-3']);
  });

  it('names the fix when an option with a value is followed by another option', () => {
    expect(usageMessage(() => parseCommandArgs('tune', ['flat.yaml', '--trials', '--keep-files'], OPTIONS, ONE_FILE))).toBe(
      'sodate tune: --trials needs a value, got option "--keep-files"; write --trials=--keep-files if that is the value',
    );
  });

  it('names the fix when an option with a value comes last', () => {
    expect(usageMessage(() => parseCommandArgs('tune', ['flat.yaml', '--trials'], OPTIONS, ONE_FILE))).toBe('sodate tune: --trials needs a value; write --trials VALUE or --trials=VALUE');
  });

  it('rewrites an unknown option into one line with the fix', () => {
    expect(usageMessage(() => parseCommandArgs('tune', ['flat.yaml', '--trails', '3'], OPTIONS, ONE_FILE))).toBe(
      'sodate tune: unknown option --trails: check its spelling, or pass an argument that starts with "-" after `--`; see `sodate tune --help`',
    );
  });

  it('rewrites a value given to a flag that takes none into one line with the fix', () => {
    expect(usageMessage(() => parseCommandArgs('delete', ['s', '--keep-files=yes'], OPTIONS, ONE_FILE))).toBe('sodate delete: --keep-files takes no value; write --keep-files alone; see `sodate delete --help`');
    // Node names an option with a short form as '-h, --help'.
    const help = { help: { type: 'boolean', short: 'h' } } as const;
    expect(usageMessage(() => parseCommandArgs('report', ['x', '--help=x'], help, ONE_FILE))).toBe('sodate report: --help takes no value; write --help alone; see `sodate report --help`');
  });

  it('lets a negative number reach the flag validation, in both forms', () => {
    for (const argv of [['flat.yaml', '--trials', '-3'], ['flat.yaml', '--trials=-3']]) {
      const { values } = parseCommandArgs('tune', argv, OPTIONS, ONE_FILE);
      expect(usageMessage(() => integerFlag('tune', 'trials', values['trials'], 1))).toBe('sodate tune: --trials expects an integer >= 1, got "-3"');
    }
  });
});

describe('sodate tune with a negative --trials', () => {
  it.each([[['--trials', '-3']], [['--trials=-3']]])('prints the one-line validation error for %j', async (flags) => {
    let err = '';
    const io = { out: { write: () => true }, err: { write: (s: string) => (err += s) }, cwd: REPO_ROOT };
    const code = await main(['tune', join(REPO_ROOT, 'search-spaces/quickstart.yaml'), ...flags], io);
    expect(code).toBe(2);
    expect(err).toBe('sodate tune: --trials expects an integer >= 1, got "-3"\n');
  });
});
