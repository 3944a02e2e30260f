import fc from 'fast-check';

/**
 * Property tests explore fresh random cases on developers' machines; CI pins the seed so a
 * submission is judged on the same cases every time (a failure prints its seed to replay).
 */
if (process.env['CI']) fc.configureGlobal({ seed: Number(process.env['SODATE_FC_SEED'] ?? 20261127) });
