import { NotFoundError, OptionError, StorageError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { NopPruner } from '../pruners/nop.js';
import { RandomSampler } from '../samplers/random.js';
import { CachedStorage } from '../storage/cached.js';
import { InMemoryStorage } from '../storage/memory.js';
import type { ConstraintLimits } from '../multi-objective/constraints.js';
import { checkConstraintLimits } from '../multi-objective/constraints.js';
import type { Direction, StudyRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { checkStudyName, openStorage } from '../storage/url.js';
import type { Pruner, Sampler } from '../policies/policies.js';
import { Study } from './study.js';
import type { WarmStartOptions } from './warm-start.js';
import { WarmStartHistory, loadWarmStartSource } from './warm-start.js';
import type { TrialSeeds } from '../storage/metadata.js';
import { CONSTRAINT_LIMITS_KEY, TRIAL_SEEDS, TRIAL_SEEDS_ATTR, WARM_START_BEST_ATTR, WARM_START_SYSTEM_ATTR } from '../storage/metadata.js';

export interface CreateStudyOptions {
  /** Default: a generated `study-<time>-<random>` name. */
  name?: string;
  /** A Storage, or a URL (`memory:`, `sqlite:studies/x.db`). Default: in memory. */
  storage?: Storage | string;
  /** Default: RandomSampler with a fresh seed. */
  sampler?: Sampler;
  /** Default: NopPruner (never prunes). */
  pruner?: Pruner;
  /** Default: 'minimize'. */
  direction?: Direction;
  /** One direction per objective, for a multi-objective study (then leave `direction` out, or make it the first). */
  directions?: readonly Direction[];
  /**
   * Limits on measured quantities (`{ latency_ms: { max: 20 } }`): a trial records them
   * with `trial.setConstraint(name, value)`, and one past a limit never enters the best set.
   */
  constraints?: ConstraintLimits;
  /** Resume a study of that name instead of failing when it exists. Default: false. */
  loadIfExists?: boolean;
  /** Attributes stored with a new study. */
  userAttrs?: Record<string, JsonValue>;
  systemAttrs?: Record<string, JsonValue>;
  /**
   * Let the sampler learn from an earlier study's COMPLETE trials (see `WarmStartOptions`):
   * they come before this study's own in what the sampler reads, never count toward its
   * budget and are not its trials. Default: none.
   */
  warmStart?: WarmStartOptions;
  /**
   * `'shared'`: every tuning trial gets the same seed (`trial.seed`), so configurations are
   * compared on the same initialisation and data order, and a deterministic trainer given
   * the same knobs again retraces the same curve; re-runs (`confirm`, `ablate`) keep seeds of
   * their own. `'per-trial'`: each trial draws its own. Stored with the study (a resumed
   * study is switched to the value given). Default: as stored, else 'per-trial'.
   */
  trialSeeds?: TrialSeeds;
}

export interface LoadStudyOptions {
  name: string;
  storage: Storage | string;
  sampler?: Sampler;
  pruner?: Pruner;
}

async function resolveStorage(storage: Storage | string | undefined): Promise<{ storage: CachedStorage; owned: boolean }> {
  if (storage === undefined) return { storage: new CachedStorage(new InMemoryStorage()), owned: true };
  if (typeof storage === 'string') return { storage: new CachedStorage(await openStorage(storage)), owned: true };
  return { storage: storage instanceof CachedStorage ? storage : new CachedStorage(storage), owned: false };
}

function generatedName(): string {
  return `study-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function createStudy(options: CreateStudyOptions = {}): Promise<Study> {
  const directions = checkDirections(options.direction, options.directions);
  const direction = directions[0] as Direction;
  const constraints = options.constraints === undefined ? undefined : checkConstraintLimits(options.constraints, 'constraints');
  const systemAttrs = constraints === undefined ? options.systemAttrs : { ...options.systemAttrs, [CONSTRAINT_LIMITS_KEY]: constraints as unknown as JsonValue };
  const name = options.name ?? generatedName();
  checkStudyName(name);
  if (options.trialSeeds !== undefined && !TRIAL_SEEDS.includes(options.trialSeeds)) {
    throw new OptionError(`trialSeeds must be one of ${TRIAL_SEEDS.map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(options.trialSeeds)}`);
  }
  const { storage, owned } = await resolveStorage(options.storage);
  try {
    // Read the earlier study first: a refused warm start leaves no new study behind.
    let warm: WarmStartHistory | undefined;
    let warmLost: string | undefined;
    if (options.warmStart !== undefined) {
      try {
        warm = new WarmStartHistory(await loadWarmStartSource(options.warmStart, { storage, name, directions }), options.warmStart);
      } catch (error) {
        // A study that already ran warm-started resumes cold when its source is gone (deleted,
        // or not on this machine): refusing would leave the study impossible to resume.
        const existing = error instanceof NotFoundError && options.loadIfExists === true ? await storage.loadStudy(name) : null;
        if (existing === null || existing.systemAttrs[WARM_START_SYSTEM_ATTR] === undefined) throw error;
        warmLost = `${(error as NotFoundError).message}; resuming without it`;
      }
    }
    let record = await storage.loadStudy(name);
    if (record !== null && !options.loadIfExists) {
      throw new StorageError(`study "${name}" already exists in ${storage.url}; pass loadIfExists to resume it, or pick another name`, 'SODATE_STUDY_EXISTS');
    }
    if (record !== null) {
      checkDirection(record, directions, storage.url);
      checkConstraints(record, constraints, storage.url);
    }
    else {
      try {
        record = await storage.createStudy({
          name,
          direction,
          directions,
          ...(options.userAttrs ? { userAttrs: options.userAttrs } : {}),
          ...(systemAttrs ? { systemAttrs } : {}),
        });
      } catch (error) {
        // Another process created it between our look and our insert: join it.
        if (!(options.loadIfExists && error instanceof StorageError && error.code === 'SODATE_STUDY_EXISTS')) throw error;
        record = await storage.loadStudy(name);
        if (record === null) throw error;
        checkDirection(record, directions, storage.url);
        checkConstraints(record, constraints, storage.url);
      }
    }
    if (options.warmStart === undefined || warm === undefined) {
      const study = await openStudy(record, storage, options, owned);
      if (warmLost !== undefined) study.warmStartLost = warmLost;
      await applyTrialSeeds(study, options.trialSeeds);
      return study;
    }
    const study = await openStudy(record, storage, options, owned, warm);
    await applyTrialSeeds(study, options.trialSeeds);
    const summary = warm.summary;
    await study.setSystemAttr(WARM_START_SYSTEM_ATTR, { from: summary.from, storage: summary.url, trials: summary.used, dropped: summary.dropped, clipped: summary.clipped });
    // Optuna's habit: the earlier best configuration is a strong first guess (once per study; again if its run failed).
    const best = directions.length === 1 && options.warmStart.enqueueBest !== false ? warm.best(direction, 1) : undefined;
    if (best !== undefined && !study.trials.some((t) => t.userAttrs[WARM_START_BEST_ATTR] !== undefined && t.state !== 'FAIL')) {
      await study.enqueueTrial(best.params, { skipIfExists: true, retryFailed: true, userAttrs: { [WARM_START_BEST_ATTR]: summary.from } });
    }
    return study;
  } catch (error) {
    if (owned) await storage.close();
    throw error;
  }
}

async function applyTrialSeeds(study: Study, trialSeeds: TrialSeeds | undefined): Promise<void> {
  if (trialSeeds !== undefined && study.systemAttrs[TRIAL_SEEDS_ATTR] !== trialSeeds) await study.setSystemAttr(TRIAL_SEEDS_ATTR, trialSeeds);
}

function checkDirections(direction: Direction | undefined, directions: readonly Direction[] | undefined): readonly Direction[] {
  const check = (d: unknown, where: string): Direction => {
    if (d !== 'minimize' && d !== 'maximize') throw new OptionError(`${where} must be 'minimize' or 'maximize', got ${JSON.stringify(d)}`);
    return d;
  };
  if (directions === undefined) return [check(direction ?? 'minimize', 'direction')];
  if (!Array.isArray(directions) || directions.length === 0) throw new OptionError(`directions must be a non-empty list such as ['minimize', 'maximize'], got ${JSON.stringify(directions)}`);
  const checked = directions.map((d, i) => check(d, `directions[${i}]`));
  if (direction !== undefined && direction !== checked[0]) throw new OptionError(`direction ${direction} disagrees with directions[0] ${checked[0]}; give only directions`);
  return checked;
}

/**
 * A resumed study keeps the limits it was created with: its trials' stored violations
 * were measured against them. Refuse other limits (or limits it never had) in one line.
 */
function checkConstraints(record: StudyRecord, constraints: ConstraintLimits | undefined, url: string): void {
  if (constraints === undefined) return;
  const stored = record.systemAttrs[CONSTRAINT_LIMITS_KEY] ?? null;
  const same = JSON.stringify(sortedLimits(stored as ConstraintLimits | null)) === JSON.stringify(sortedLimits(constraints));
  if (!same) {
    throw new OptionError(
      `study "${record.name}" in ${url} was created with constraints ${stored === null ? '(none)' : JSON.stringify(stored)}, not ${JSON.stringify(constraints)}: its trials were judged against those limits; restore them, or start a new study under another name`,
    );
  }
}

function sortedLimits(limits: ConstraintLimits | null): unknown {
  if (limits === null) return null;
  return Object.keys(limits).sort().map((k) => [k, (limits[k] as { min?: number }).min ?? null, (limits[k] as { max?: number }).max ?? null]);
}

function checkDirection(record: StudyRecord, directions: readonly Direction[], url: string): void {
  const same = record.directions.length === directions.length && record.directions.every((d, i) => d === directions[i]);
  if (same) return;
  // Several directions in brackets, and how many objectives each side has when that is what differs.
  const counted = record.directions.length !== directions.length;
  const describe = (ds: readonly Direction[]): string => {
    const text = ds.length === 1 ? (ds[0] as string) : `[${ds.join(', ')}]`;
    return counted ? `${text} (${ds.length === 1 ? 'one objective' : `${ds.length} objectives`})` : text;
  };
  throw new OptionError(`study "${record.name}" in ${url} is to ${describe(record.directions)}, not ${describe(directions)}`);
}

async function openStudy(record: StudyRecord, storage: CachedStorage, policies: { sampler?: Sampler; pruner?: Pruner }, owned: boolean, warmStart?: WarmStartHistory): Promise<Study> {
  const study = new Study(record, storage, policies.sampler ?? new RandomSampler(), policies.pruner ?? new NopPruner(), owned, warmStart);
  await study.refresh();
  return study;
}

export async function loadStudy(options: LoadStudyOptions): Promise<Study> {
  const { storage, owned } = await resolveStorage(options.storage);
  try {
    const record = await storage.loadStudy(options.name);
    if (record === null) throw new NotFoundError(`no study named "${options.name}" in ${storage.url}; see \`sodate studies\``);
    return await openStudy(record, storage, options, owned);
  } catch (error) {
    if (owned) await storage.close();
    throw error;
  }
}

export async function deleteStudy(options: { name: string; storage: Storage | string }): Promise<void> {
  const { storage, owned } = await resolveStorage(options.storage);
  try {
    const record = await storage.loadStudy(options.name);
    if (record === null) throw new NotFoundError(`no study named "${options.name}" in ${storage.url}`);
    await storage.deleteStudy(record.id);
  } finally {
    if (owned) await storage.close();
  }
}
