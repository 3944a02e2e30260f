import { OptionError, SpaceError, isSodateError } from '../errors.js';
import { PRUNERS, createPruner } from '../pruners/registry.js';
import { SAMPLERS, createSampler } from '../samplers/registry.js';
import type { PolicyCatalog, PolicySpec, StudyFile } from '../study-file/study-file.js';
import type { Pruner, Sampler } from '../policies/policies.js';

/** The policy kinds and their option keys, as the space-file parser wants them. */
export function policyCatalog(): PolicyCatalog {
  return {
    samplers: Object.fromEntries(SAMPLERS.map((e) => [e.kind, e.optionKeys])),
    pruners: Object.fromEntries(PRUNERS.map((e) => [e.kind, e.optionKeys])),
  };
}

/**
 * The pruner of a single-objective space file that names none: curve-rank, the pruner of
 * test/bench/pruners.bench.ts closest to no pruning at equal epochs on its problems
 * (synthetic and recorded real curves); it only acts on objectives that report
 * intermediate values.
 */
export const DEFAULT_PRUNER_KIND = 'curve-rank';

/**
 * With several objectives: pareto, which judges a trial on every objective it reports
 * (a single-objective rule would stop the fast, worse-scoring models the front needs).
 */
export const DEFAULT_MULTI_OBJECTIVE_PRUNER_KIND = 'pareto';

/**
 * The sampler of a space file that names none: auto, GP on small numeric spaces and TPE
 * on categorical or conditional ones (test/bench/samplers.bench.ts: each is first where
 * auto picks it).
 */
export const DEFAULT_SAMPLER_KIND = 'auto';

/**
 * Builds a policy, turning a bad option into a SpaceError at its place in the file:
 * `s.yaml:10: stages[1].pruner.pThreshold: must be within [0, 1], got 7` when the message
 * starts with an option the file gives, else `s.yaml:9: stages[1].pruner: …`.
 */
function atLine(file: StudyFile, spec: PolicySpec | undefined, build: () => unknown): unknown {
  try {
    return build();
  } catch (error) {
    if (spec !== undefined && isSodateError(error) && error instanceof OptionError) {
      const option = Object.keys(spec.options).find((key) => error.message.startsWith(`${key} `));
      if (option === undefined) throw new SpaceError(`${file.file}:${spec.line}: ${spec.path}: ${error.message}`);
      throw new SpaceError(`${file.file}:${spec.optionLines[option] ?? spec.line}: ${spec.path}.${option}: ${error.message.slice(option.length + 1)}`);
    }
    throw error;
  }
}

export interface BuiltPolicies {
  readonly sampler: Sampler;
  readonly samplerName: string;
  readonly pruner: Pruner;
  readonly prunerName: string;
}

/** Build the sampler (seeded) and pruner a space file asks for; bad options name the file and line. */
export function buildPolicies(file: StudyFile, seed: number): BuiltPolicies {
  const samplerKind = file.sampler?.kind ?? DEFAULT_SAMPLER_KIND;
  const sampler = atLine(file, file.sampler, () => createSampler(samplerKind, { ...file.sampler?.options }, { space: file.space, seed })) as Sampler;
  const prunerKind = file.pruner?.kind ?? (file.directions.length > 1 ? DEFAULT_MULTI_OBJECTIVE_PRUNER_KIND : DEFAULT_PRUNER_KIND);
  const pruner = atLine(file, file.pruner, () => createPruner(prunerKind, { ...file.pruner?.options })) as Pruner;
  return { sampler, samplerName: samplerKind, pruner, prunerName: prunerKind };
}
