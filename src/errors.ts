/**
 * Every condition a user can cause has its own error class with a stable `code`.
 * The CLI prints `message` (one line naming the place and the fix) and never the stack
 * for these; anything else is a bug and keeps its stack.
 */
/**
 * Marks sodate's errors across copies of the package: a trainer package that imports
 * `sodate` beside a global install loads a second copy, whose classes `instanceof` does not see.
 */
const SODATE_ERROR_BRAND = Symbol.for('sodate.error');

export class SodateError extends Error {
  readonly [SODATE_ERROR_BRAND] = true;
  readonly code: string;
  /** Exit status the CLI uses: 2 for bad input (files, flags), 1 for runtime failures. */
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A distribution, parameter or search-space file is invalid. */
export class SpaceError extends SodateError {
  constructor(message: string) {
    super('SODATE_SPACE_INVALID', message, 2);
  }
}

/** A constructor or API call got an argument outside its domain. */
export class OptionError extends SodateError {
  constructor(message: string) {
    super('SODATE_OPTION_INVALID', message, 2);
  }
}

/** The storage refused or could not complete an operation. */
export class StorageError extends SodateError {
  constructor(message: string, code = 'SODATE_STORAGE') {
    super(code, message, 1);
  }
}

/** The command line was malformed (unknown flag, missing argument, bad number), or names something a command cannot take. */
export class UsageError extends SodateError {
  constructor(message: string) {
    super('SODATE_USAGE', message, 2);
  }
}

/** A study or trial that was asked for does not exist. */
export class NotFoundError extends SodateError {
  constructor(message: string) {
    super('SODATE_NOT_FOUND', message, 1);
  }
}

/** Any copy of sodate's SodateError (see SODATE_ERROR_BRAND). */
export function isSodateError(error: unknown): error is SodateError {
  return error instanceof SodateError || (typeof error === 'object' && error !== null && (error as { [SODATE_ERROR_BRAND]?: unknown })[SODATE_ERROR_BRAND] === true);
}

/**
 * The message of anything thrown: an Error's message (its name when the message is empty), an
 * object's JSON (`throw {code: 5}` reads `{"code":5}`, not `[object Object]`), else the value as text.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error !== 'object' || error === null) return String(error);
  // An Error of another realm (a vm context) is no instanceof Error but has its message.
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && message !== '') return message;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error); // a cycle, a BigInt
  }
}
