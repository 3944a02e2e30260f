import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseS3Url } from '../artifacts/remote.js';
import { SpaceError } from '../errors.js';
import { BUILTIN_OBJECTIVES, builtinManifest } from '../objectives/builtins.js';
import { paramEnvName, placeholderNames } from '../objectives/command-objective.js';
import type { ConstraintLimits } from '../multi-objective/constraints.js';
import { checkConstraintLimits } from '../multi-objective/constraints.js';
import type { ParamValue } from '../space/distributions.js';
import type { SearchSpace } from '../space/search-space.js';
import type { StagePolicy, StageSpec } from '../space/stages.js';
import type { Path } from '../space/yaml-source.js';
import { YamlSource } from '../space/yaml-source.js';
import { checkKeys, isMapping, optionalString } from './checks.js';
import { parseParamValues, parseParams } from './params.js';
import { parsePolicy } from './policies.js';
import { parseStages } from './stages.js';
import { parseWarmStart } from './warm-start.js';
import type { TrialSeeds } from '../storage/metadata.js';
import { TRIAL_SEEDS } from '../storage/metadata.js';

/** Where a JS/TS objective runs: a worker thread (default on the CPU), a child process (default on GPUs), or the loop's own thread. */
export type Isolation = 'thread' | 'process' | 'inline';
export const ISOLATIONS: readonly Isolation[] = ['thread', 'process', 'inline'];

export type ObjectiveSpec =
  | { readonly kind: 'module'; readonly path: string; readonly exportName: string; readonly isolate?: Isolation }
  | { readonly kind: 'command'; readonly argv: readonly string[]; readonly cwd: string }
  | { readonly kind: 'builtin'; readonly name: string; readonly options: Readonly<Record<string, unknown>>; readonly isolate?: Isolation };

/** A file's `sampler:` or `pruner:` (a stage's too: one shape, defined with the stages). */
export type PolicySpec = StagePolicy;

export type DeviceSpec = 'auto' | 'cpu' | readonly number[];

/** Everything a study needs, read from a `search-spaces/*.yaml` file. */
export interface StudyFile {
  readonly file: string;
  readonly study: string | undefined;
  /** The first objective's direction and metric (the only ones of a single-objective study). */
  readonly direction: 'minimize' | 'maximize';
  readonly metric: string;
  /** One per objective, in order: `directions:` / `metrics:`, or `[direction]` / `[metric]`. */
  readonly directions: readonly ('minimize' | 'maximize')[];
  readonly metrics: readonly string[];
  /** `constraints:`: limits on measured quantities; a trial past one never counts as best. */
  readonly constraints: ConstraintLimits | undefined;
  readonly objective: ObjectiveSpec;
  readonly sampler: PolicySpec | undefined;
  readonly pruner: PolicySpec | undefined;
  /** `trialTimeout`: a trial running longer is stopped and recorded as failed. */
  readonly budget: { readonly trials: number | undefined; readonly timeoutSeconds: number | undefined; readonly trialTimeoutSeconds?: number | undefined };
  /** perDevice undefined: one slot per GPU, or one per core on the CPU. */
  readonly workers: { readonly devices: DeviceSpec; readonly perDevice: number | undefined };
  /** How many times a trial whose worker died is re-queued with the same parameters. */
  readonly retries: number;
  readonly seed: number | undefined;
  /** `trialSeeds:`: 'shared' gives every tuning trial the same seed (see createStudy); undefined: as stored, else 'per-trial'. */
  readonly trialSeeds?: TrialSeeds | undefined;
  /** The plain configuration to grow from: enqueued as the study's first trial. */
  readonly baseline: Readonly<Record<string, ParamValue>> | undefined;
  /** `artifacts:`: where trial directories go and which are kept. Undefined: the defaults. */
  readonly artifacts?: ArtifactsSpec | undefined;
  /** `stages:`: the parameters opened a group at a time, each stage its own study (see stages.ts). */
  readonly stages?: readonly StageSpec[] | undefined;
  /** `warmStart:`: an earlier study whose trials the sampler learns from. */
  readonly warmStart?: WarmStartSpec | undefined;
  readonly space: SearchSpace;
}

/** A space file's `warmStart: { from, storage, assume, enqueueBest, outside }` (see src/study/warm-start.ts). */
export interface WarmStartSpec {
  /** The earlier study's name. */
  readonly from: string;
  /** Its storage URL or SQLite path (relative to the working directory, as --storage). Default: this study's storage if it holds the study, else studies/<from>.db. */
  readonly storage?: string;
  /** Values parameters the earlier study never had were effectively at then. */
  readonly assume?: Readonly<Record<string, ParamValue>>;
  /** Enqueue the earlier best configuration first. Default true. */
  readonly enqueueBest?: boolean;
  /** Old values outside today's distributions: drop the trial (default) or clip. */
  readonly outside?: 'drop' | 'clip';
  /** Line of `warmStart:` in the file, for errors raised when the earlier study is read. */
  readonly line: number;
}

/** A space file's `artifacts: { dir, keep, keepFailed, url, endpoint, region }`. */
export interface ArtifactsSpec {
  /** Root of the trial directories (`<dir>/<study>/<trial>/`), absolute (relative ones resolve from the space file). Default: `artifacts/` next to the SQLite file. With `url`, a local staging area. */
  readonly dir?: string;
  /** `s3://bucket/prefix`: each trial's files are uploaded to `<prefix>/<study>/<trial>/` when it ends, then removed locally. Default: none, they stay in `dir`. */
  readonly url?: string;
  /** An S3-compatible server (`http://host:9000`), with `url`. Default: AWS_ENDPOINT_URL_S3, else AWS. */
  readonly endpoint?: string;
  /** The bucket's region, with `url`. Default: AWS_REGION, else us-east-1. */
  readonly region?: string;
  /** Keep the best N complete trials' directories (with several objectives, the Pareto front's). Default: every complete trial's. */
  readonly keep?: number;
  /** Keep pruned and failed trials' directories. Default false. */
  readonly keepFailed?: boolean;
}

/** The policy kinds the caller knows, each with the option keys it accepts. */
export interface PolicyCatalog {
  readonly samplers: Readonly<Record<string, readonly string[]>>;
  readonly pruners: Readonly<Record<string, readonly string[]>>;
}

const TOP_KEYS = ['study', 'description', 'direction', 'directions', 'metric', 'metrics', 'constraints', 'objective', 'sampler', 'pruner', 'budget', 'workers', 'retries', 'seed', 'trialSeeds', 'baseline', 'artifacts', 'warmStart', 'stages', 'params'];

export function readStudyFile(file: string, catalog: PolicyCatalog): StudyFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpaceError(`${file}: cannot read the space file (${code === 'ENOENT' ? 'no such file' : code ?? 'unknown error'}); check the path`);
  }
  return parseStudyFile(text, file, catalog);
}

/** Parse and validate a space file; every problem is one SpaceError naming file:line. */
export function parseStudyFile(text: string, file: string, catalog: PolicyCatalog): StudyFile {
  const src = new YamlSource(file, text);
  const top = src.data;
  if (!isMapping(top)) throw src.error([], 'a mapping with keys such as study, objective, params', top);
  checkKeys(src, [], top, TOP_KEYS);

  const study = optionalString(src, top, 'study');
  const { directions, metrics } = parseObjectives(src, top);
  const direction = directions[0] as 'minimize' | 'maximize';
  const metric = metrics[0] as string;
  const constraints = parseConstraints(src, top['constraints'], metrics);
  const retries = top['retries'] ?? 0;
  if (!Number.isInteger(retries) || (retries as number) < 0) throw src.error(['retries'], 'a non-negative integer', retries);
  const seed = top['seed'];
  if (seed !== undefined && !(Number.isInteger(seed) && (seed as number) >= 0)) throw src.error(['seed'], 'a non-negative integer', seed);
  const trialSeeds = top['trialSeeds'];
  if (trialSeeds !== undefined && !TRIAL_SEEDS.includes(trialSeeds as TrialSeeds)) throw src.error(['trialSeeds'], TRIAL_SEEDS.join(' or '), trialSeeds);

  const space = parseParams(src, top['params']);
  const artifacts = parseArtifacts(src, top['artifacts'], dirname(resolve(file)));
  const warmStart = parseWarmStart(src, top['warmStart'], space);
  const stages = parseStages(src, top['stages'], space, catalog);
  if (stages !== undefined) {
    if (isMapping(top['budget']) && top['budget']['trials'] !== undefined) throw src.fail(['budget', 'trials'], 'with stages, each stage gives its own trials; remove budget.trials');
    if (warmStart !== undefined) throw src.fail(['warmStart'], 'a staged study cannot warm-start (yet); remove warmStart or stages');
    if (directions.length > 1) throw src.fail(['stages'], 'stages carry the best trial forward, which needs one objective; remove stages or use one direction');
  }
  const names = new Set(space.params.map((p) => p.name));
  const objective = parseObjective(src, top['objective'], dirname(resolve(file)), names);
  checkBuiltinMeasures(src, top, objective, constraints);
  return {
    file,
    study,
    direction,
    metric,
    directions,
    metrics,
    constraints,
    objective,
    sampler: parsePolicy(src, 'sampler', top['sampler'], catalog.samplers),
    pruner: parsePolicy(src, 'pruner', top['pruner'], catalog.pruners),
    budget: parseBudget(src, top['budget']),
    workers: parseWorkers(src, top['workers']),
    retries: retries as number,
    seed: seed as number | undefined,
    ...(trialSeeds === undefined ? {} : { trialSeeds: trialSeeds as TrialSeeds }),
    baseline: parseBaseline(src, top['baseline'], space),
    ...(artifacts === undefined ? {} : { artifacts }),
    ...(warmStart === undefined ? {} : { warmStart }),
    ...(stages === undefined ? {} : { stages }),
    space,
  };
}

/**
 * `direction`/`metric` for one objective, `directions`/`metrics` lists for several (not
 * both forms); the lists must be as long as each other, metric names distinct.
 */
function parseObjectives(src: YamlSource, top: Record<string, unknown>): { directions: ('minimize' | 'maximize')[]; metrics: string[] } {
  for (const [one, many] of [['direction', 'directions'], ['metric', 'metrics']] as const) {
    if (top[one] !== undefined && top[many] !== undefined) throw src.fail([many], `give either ${one} or ${many}, not both`);
  }
  const list = (key: 'directions' | 'metrics'): unknown[] | undefined => {
    const raw = top[key];
    if (raw === undefined) return undefined;
    if (!Array.isArray(raw) || raw.length === 0) throw src.error([key], key === 'directions' ? 'a list such as [minimize, maximize]' : 'a list of metric names such as [val_loss, latency_ms]', raw);
    return raw;
  };
  const rawDirections = list('directions') ?? [top['direction'] ?? 'minimize'];
  const directions = rawDirections.map((d, i) => {
    if (d !== 'minimize' && d !== 'maximize') throw src.error(top['directions'] === undefined ? ['direction'] : ['directions', i], 'minimize or maximize', d);
    return d;
  });
  const rawMetrics = list('metrics') ?? [optionalString(src, top, 'metric') ?? (directions.length === 1 ? 'value' : undefined)];
  if (rawMetrics[0] === undefined) {
    throw src.fail(['directions'], `${directions.length} directions need metrics: a list of ${directions.length} names, e.g. metrics: [val_loss, latency_ms]`);
  }
  const metrics = rawMetrics.map((m, i) => {
    if (typeof m !== 'string' || m.length === 0) throw src.error(['metrics', i], 'a non-empty metric name', m);
    return m;
  });
  if (metrics.length !== directions.length) {
    throw src.fail([top['metrics'] === undefined ? 'metric' : 'metrics'], `${metrics.length} metric${metrics.length === 1 ? '' : 's'} for ${directions.length} direction${directions.length === 1 ? '' : 's'}: give one metric per direction`);
  }
  const repeated = metrics.find((m, i) => metrics.indexOf(m) !== i);
  if (repeated !== undefined) throw src.fail(['metrics'], `metric "${repeated}" is listed twice`);
  return { directions, metrics };
}

function parseConstraints(src: YamlSource, raw: unknown, metrics: readonly string[]): ConstraintLimits | undefined {
  if (raw === undefined) return undefined;
  if (!isMapping(raw) || Object.keys(raw).length === 0) throw src.error(['constraints'], 'a mapping such as { gpu_mem_gb: { max: 16 }, latency_ms: { max: 20 } }', raw);
  for (const name of Object.keys(raw)) {
    if (metrics.includes(name)) throw src.fail(['constraints', name], `"${name}" is an objective; a constraint limits another measured quantity (give it a new name)`);
    try {
      checkConstraintLimits({ [name]: raw[name] }, 'constraints');
    } catch (error) {
      // The file's place already names constraints.<name>: keep only what is wrong there.
      throw src.fail(['constraints', name], (error as Error).message.slice(`constraints.${name}`.length).replace(/^(: |\.| )/, ''));
    }
  }
  return checkConstraintLimits(raw, 'constraints');
}

/**
 * A built-in objective returns and constrains only what it measures: refuse, before any
 * trial runs, a metric (of several, or one named by `metric:`) or a constraint it cannot
 * give. One `metric:` it does not measure, such as the default `value`, stays a label for
 * what its options select (as before metrics were checked), unless several are listed.
 */
function checkBuiltinMeasures(src: YamlSource, top: Record<string, unknown>, objective: ObjectiveSpec, constraints: ConstraintLimits | undefined): void {
  if (objective.kind !== 'builtin') return;
  // A built-in whose package is missing is refused by checkObjective, with what to install.
  const measures = builtinManifest(objective.name)?.measures;
  if (measures === undefined) return;
  const refuse = (path: Path, name: string, what: string): never => {
    throw src.fail(path, `the built-in ${objective.name} cannot give ${what} "${name}"; it measures ${measures.join(', ')}`);
  };
  for (const key of ['metrics', 'constraints']) {
    if (key in objective.options) throw src.fail(['objective', 'options', key], `the file's own ${key}: key says this; move it there`);
  }
  const optionMetric = objective.options['metric'];
  const many = top['metrics'];
  if (Array.isArray(many)) {
    many.forEach((m, i) => {
      if (!measures.includes(m as string)) refuse(['metrics', i], m as string, 'the objective');
    });
    if (optionMetric !== undefined) throw src.fail(['objective', 'options', 'metric'], 'metrics: lists the objectives; remove options.metric');
  }
  const one = top['metric'];
  if (typeof one === 'string' && one !== 'value') {
    if (!measures.includes(one)) refuse(['metric'], one, 'the objective');
    if (optionMetric !== undefined && optionMetric !== one) throw src.fail(['objective', 'options', 'metric'], `${JSON.stringify(optionMetric)} disagrees with metric: ${one}; name the metric once, as metric:`);
  }
  for (const name of Object.keys(constraints ?? {})) {
    if (!measures.includes(name)) refuse(['constraints', name], name, 'the constraint value');
  }
}

function parseArtifacts(src: YamlSource, raw: unknown, dir: string): ArtifactsSpec | undefined {
  if (raw === undefined) return undefined;
  if (!isMapping(raw)) throw src.error(['artifacts'], 'a mapping such as { keep: 3, keepFailed: false, dir: ./artifacts }', raw);
  checkKeys(src, ['artifacts'], raw, ['dir', 'keep', 'keepFailed', 'url', 'endpoint', 'region']);
  const root = raw['dir'];
  if (root !== undefined && (typeof root !== 'string' || root.length === 0)) throw src.error(['artifacts', 'dir'], 'a directory path', root);
  const keep = raw['keep'];
  if (keep !== undefined && !(Number.isInteger(keep) && (keep as number) >= 1)) throw src.error(['artifacts', 'keep'], 'a positive integer (the number of best trials whose directories are kept)', keep);
  const keepFailed = raw['keepFailed'];
  if (keepFailed !== undefined && typeof keepFailed !== 'boolean') throw src.error(['artifacts', 'keepFailed'], 'true or false', keepFailed);
  const url = raw['url'];
  if (url !== undefined) {
    const parsed = typeof url === 'string' ? parseS3Url(url) : 'not a string';
    // The bucket's or prefix's own fault is worth saying; a malformed URL needs only the shape.
    const why = typeof parsed === 'string' && /^(bucket|prefix) /.test(parsed) ? ` (${parsed})` : '';
    if (typeof parsed === 'string') throw src.error(['artifacts', 'url'], `an S3 location such as s3://bucket/prefix${why}`, url);
  }
  const endpoint = raw['endpoint'];
  if (endpoint !== undefined && (typeof endpoint !== 'string' || !/^https?:\/\/[^/]+/.test(endpoint))) throw src.error(['artifacts', 'endpoint'], 'an http(s)://host:port URL of an S3-compatible server', endpoint);
  const region = raw['region'];
  if (region !== undefined && (typeof region !== 'string' || region.length === 0)) throw src.error(['artifacts', 'region'], 'a region name such as us-east-1', region);
  if (url === undefined && (endpoint !== undefined || region !== undefined)) throw src.fail(['artifacts', endpoint !== undefined ? 'endpoint' : 'region'], 'only goes with artifacts.url (s3://bucket/prefix)');
  return {
    ...(url === undefined ? {} : { url: url as string }),
    ...(endpoint === undefined ? {} : { endpoint: endpoint as string }),
    ...(region === undefined ? {} : { region: region as string }),
    ...(root === undefined ? {} : { dir: resolve(dir, root as string) }),
    ...(keep === undefined ? {} : { keep: keep as number }),
    ...(keepFailed === undefined ? {} : { keepFailed }),
  };
}

function parseBaseline(src: YamlSource, raw: unknown, space: SearchSpace): Record<string, ParamValue> | undefined {
  if (raw === undefined) return undefined;
  return parseParamValues(src, ['baseline'], raw, space, 'such as { lr: 1.0e-3, optimizer: adamw }');
}

function parseObjective(src: YamlSource, raw: unknown, dir: string, paramNames: ReadonlySet<string>): ObjectiveSpec {
  const path: Path = ['objective'];
  if (raw === undefined) throw src.fail([], 'missing "objective": give one of { module: ./objective.ts }, { command: [...] } or { builtin: image-classifier }');
  if (!isMapping(raw)) throw src.error(path, 'a mapping with one of module, command or builtin', raw);
  checkKeys(src, path, raw, ['module', 'export', 'command', 'builtin', 'options', 'isolate']);
  const isolate = raw['isolate'];
  if (isolate !== undefined && !ISOLATIONS.includes(isolate as Isolation)) throw src.error([...path, 'isolate'], ISOLATIONS.join(', '), isolate);
  const isolation = isolate === undefined ? {} : { isolate: isolate as Isolation };
  const kinds = ['module', 'command', 'builtin'].filter((k) => k in raw);
  if (kinds.length !== 1) throw src.fail(path, `expected exactly one of module, command or builtin, found ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`);
  if ('module' in raw) {
    const module = raw['module'];
    if (typeof module !== 'string' || module.length === 0) throw src.error([...path, 'module'], 'a path to a .js/.ts/.mjs module', module);
    const exportName = raw['export'] ?? 'objective';
    if (typeof exportName !== 'string') throw src.error([...path, 'export'], 'the name of the exported function', exportName);
    if ('options' in raw) throw src.fail([...path, 'options'], 'options go with builtin objectives only');
    return { kind: 'module', path: resolve(dir, module), exportName, ...isolation };
  }
  if ('export' in raw) throw src.fail([...path, 'export'], 'export goes with module objectives only');
  if ('command' in raw) {
    if (isolate !== undefined) throw src.fail([...path, 'isolate'], 'a command always runs in a process of its own; isolate goes with module and builtin objectives');
    const command = raw['command'];
    const argv = typeof command === 'string' ? command.trim().split(/\s+/) : command;
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string' || typeof a === 'number')) {
      throw src.error([...path, 'command'], 'a command line or a list of arguments', command);
    }
    const args = argv.map(String);
    for (const arg of args) {
      for (const name of placeholderNames(arg)) {
        if (!paramNames.has(name) && name !== 'trial' && name !== 'seed' && name !== 'params_file') {
          throw src.fail([...path, 'command'], `placeholder {${name}} names no parameter; known: ${[...paramNames].join(', ')} (write {{ and }} for a literal brace)`);
        }
      }
    }
    if ('options' in raw) throw src.fail([...path, 'options'], 'options go with builtin objectives only');
    checkParamEnvNames(src, paramNames);
    return { kind: 'command', argv: args, cwd: dir };
  }
  const name = raw['builtin'];
  if (typeof name !== 'string' || !Object.hasOwn(BUILTIN_OBJECTIVES, name)) throw src.error([...path, 'builtin'], `a built-in objective (${Object.keys(BUILTIN_OBJECTIVES).join(', ')})`, name);
  const options = raw['options'] ?? {};
  if (!isMapping(options)) throw src.error([...path, 'options'], 'a mapping of trainer options', options);
  return { kind: 'builtin', name, options, ...isolation };
}

/** A command gets each parameter as SODATE_PARAM_<NAME>: refuse two names that become one variable (`lr` and `LR`, `drop-rate` and `drop_rate`), as one would hide the other. */
function checkParamEnvNames(src: YamlSource, paramNames: ReadonlySet<string>): void {
  const seen = new Map<string, string>();
  for (const name of paramNames) {
    const variable = paramEnvName(name);
    const other = seen.get(variable);
    if (other !== undefined) {
      throw src.fail(['params', name], `parameters "${other}" and "${name}" would both be passed to the command as ${variable}, and one would hide the other; rename one of them`);
    }
    seen.set(variable, name);
  }
}

function parseBudget(src: YamlSource, raw: unknown): StudyFile['budget'] {
  if (raw === undefined) return { trials: undefined, timeoutSeconds: undefined };
  if (!isMapping(raw)) throw src.error(['budget'], 'a mapping such as { trials: 60, timeout: 30m }', raw);
  checkKeys(src, ['budget'], raw, ['trials', 'timeout', 'trialTimeout']);
  const trials = raw['trials'];
  if (trials !== undefined && !(Number.isInteger(trials) && (trials as number) > 0)) throw src.error(['budget', 'trials'], 'a positive integer', trials);
  const timeout = raw['timeout'];
  let timeoutSeconds: number | undefined;
  if (timeout !== undefined) {
    timeoutSeconds = parseDuration(timeout);
    if (timeoutSeconds === undefined) throw src.error(['budget', 'timeout'], 'a duration such as 90s, 30m, 2h or a number of seconds', timeout);
  }
  const trialTimeout = raw['trialTimeout'];
  let trialTimeoutSeconds: number | undefined;
  if (trialTimeout !== undefined) {
    trialTimeoutSeconds = parseDuration(trialTimeout);
    if (trialTimeoutSeconds === undefined) throw src.error(['budget', 'trialTimeout'], 'a duration such as 90s, 30m, 2h or a number of seconds', trialTimeout);
  }
  return { trials: trials as number | undefined, timeoutSeconds, ...(trialTimeoutSeconds === undefined ? {} : { trialTimeoutSeconds }) };
}

/** `90`, `90s`, `30m`, `2h`, `1h30m`, `1d` → seconds; undefined when not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) > 0 ? Number(text) : undefined;
  const units: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)([dhms])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  const total = parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] as string] as number), 0);
  return total > 0 ? total : undefined;
}

function parseWorkers(src: YamlSource, raw: unknown): StudyFile['workers'] {
  if (raw === undefined) return { devices: 'auto', perDevice: undefined };
  if (!isMapping(raw)) throw src.error(['workers'], 'a mapping such as { devices: auto, perDevice: 1 }', raw);
  checkKeys(src, ['workers'], raw, ['devices', 'perDevice']);
  const devices = raw['devices'] ?? 'auto';
  const valid =
    devices === 'auto' || devices === 'cpu' || (Array.isArray(devices) && devices.length > 0 && devices.every((d) => Number.isInteger(d) && d >= 0));
  if (!valid) throw src.error(['workers', 'devices'], 'auto, cpu or a list of GPU indices such as [0, 1]', devices);
  const perDevice = raw['perDevice'];
  if (perDevice !== undefined && (!Number.isInteger(perDevice) || (perDevice as number) < 1)) throw src.error(['workers', 'perDevice'], 'a positive integer', perDevice);
  return { devices: devices as DeviceSpec, perDevice: perDevice as number | undefined };
}

