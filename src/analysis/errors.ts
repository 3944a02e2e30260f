import { SodateError } from '../errors.js';

/** A study has too few usable trials for the analysis asked for. */
export class NotEnoughTrialsError extends SodateError {
  constructor(message: string) {
    super('SODATE_ANALYSIS_TOO_FEW_TRIALS', message, 1);
  }
}
