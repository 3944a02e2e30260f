import { SodateError } from '../errors.js';

/** A study has too few usable trials for the analysis asked for. */
export class NotEnoughTrialsError extends SodateError {
  constructor(message: string) {
    super('SODATE_ANALYSIS_TOO_FEW_TRIALS', message, 1);
  }
}

/** A re-run (`sodate ablate`) failed: the analysis cannot go on until it completes. */
export class RerunFailedError extends SodateError {
  constructor(message: string) {
    super('SODATE_RERUN_FAILED', message, 1);
  }
}
