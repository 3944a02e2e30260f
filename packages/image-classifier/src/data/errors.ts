import { SodateError } from 'sodate';

/** A data set cannot be read: a missing file, a bad format, labels that do not match. */
export class DataError extends SodateError {
  constructor(message: string) {
    super('SODATE_DATA_INVALID', message, 2);
  }
}
