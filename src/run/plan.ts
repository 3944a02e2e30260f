import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectiveLoadError } from '../objectives/module-objective.js';
import { builtinManifest, builtinNotInstalled } from '../objectives/builtins.js';
import type { DeviceSpec, Isolation, StudyFile } from '../study-file/study-file.js';
import type { SlotPlanOptions } from './devices.js';
import { discoverGpus, planSlots, visibleGpus } from './devices.js';
import { DEFAULT_HEARTBEAT_SECONDS } from './orchestrator.js';
import { InlineSlots } from './inline-slots.js';
import type { ObjectiveRef } from './messages.js';
import { missingProgram } from '../objectives/command-program.js';
import { CommandSlots } from './command-slots.js';
import { ProcessSlots } from './process-slots.js';
import type { Slot, SlotRunner } from './slots.js';
import { ThreadSlots } from './thread-slots.js';

export interface RunPlanOptions {
  readonly file: StudyFile;
  /** Overrides of the file's `workers` and `objective.isolate` (CLI flags). */
  readonly devices?: DeviceSpec | undefined;
  readonly perDevice?: number | undefined;
  readonly isolation?: Isolation | undefined;
  /** Where command trials' parameter files go (next to their logs). */
  readonly logDir: string;
  readonly killGraceSeconds?: number | undefined;
  readonly slotOptions?: SlotPlanOptions;
  /** `--stale-after`: a grace under three default heartbeats is noted (it fails other processes' live trials). */
  readonly staleAfterSeconds?: number | undefined;
}

export interface RunPlan {
  readonly slots: Slot[];
  /** What the run should say before its first trial (GPUs named that nvidia-smi could not confirm). */
  readonly notices: readonly string[];
  /** Call `create` once the study exists: it starts threads or nothing (processes start per trial). */
  readonly kind: SlotRunner['kind'];
  create(): SlotRunner;
}

/**
 * Slots and the way trials run, from a space file and the CLI's overrides. Module and
 * built-in objectives run in thread slots on the CPU and in process slots on GPUs (one
 * CUDA_VISIBLE_DEVICES per process), unless `isolate:` / `--isolation` says otherwise;
 * command objectives always run as processes.
 */
export function planRun(options: RunPlanOptions): RunPlan {
  const { file } = options;
  const devices = options.devices ?? file.workers.devices;
  // nvidia-smi is asked once, for the slots and for the notice.
  const gpus = devices === 'cpu' ? undefined : (options.slotOptions?.gpus ?? discoverGpus());
  // Read once, for the slots and for the notice.
  const inheritedVisible = options.slotOptions !== undefined && 'cudaVisibleDevices' in options.slotOptions ? options.slotOptions.cudaVisibleDevices : process.env['CUDA_VISIBLE_DEVICES'];
  const slots = planSlots(devices, options.perDevice ?? file.workers.perDevice, { ...options.slotOptions, cudaVisibleDevices: inheritedVisible, ...(gpus === undefined ? {} : { gpus }) });
  const notices = [
    ...(Array.isArray(devices) && gpus?.length === 0
      ? [`devices ${devices.join(',')}: nvidia-smi lists no GPU here, so these cannot be checked; each trial gets CUDA_VISIBLE_DEVICES of its GPU, and one that does not exist trains on the CPU`]
      : []),
    ...inheritedVisibleDevicesNotice(devices, inheritedVisible, gpus ?? []),
    ...shortStaleGraceNotice(options.staleAfterSeconds),
  ];
  const grace = options.killGraceSeconds === undefined ? {} : { killGraceSeconds: options.killGraceSeconds };
  const spec = file.objective;
  if (spec.kind === 'command') {
    return {
      slots,
      notices,
      kind: 'command',
      create: () => new CommandSlots({ command: spec, paramsFile: (task) => join(options.logDir, task.study, `${task.number}.params.json`), ...grace }),
    };
  }
  // A built-in learns what to return and which constraint values to set from the file's metrics and constraints.
  const ref: ObjectiveRef =
    spec.kind === 'module'
      ? { kind: 'module', path: spec.path, exportName: spec.exportName }
      : { kind: 'builtin', name: spec.name, options: spec.options, study: { metrics: file.metrics, constraints: Object.keys(file.constraints ?? {}) } };
  const isolation = options.isolation ?? spec.isolate ?? (slots.some((s) => s.gpu !== null) ? 'process' : 'thread');
  if (isolation === 'inline') return { slots, notices, kind: 'inline', create: () => new InlineSlots(ref) };
  if (isolation === 'process') return { slots, notices, kind: 'process', create: () => new ProcessSlots({ objective: ref, ...grace }) };
  return { slots, notices, kind: 'thread', create: () => new ThreadSlots({ objective: ref, threads: slots.length }) };
}

/** Refuse an objective that cannot run before any storage is touched (the module is loaded in the slots). */
export function checkObjective(file: StudyFile): void {
  const spec = file.objective;
  if (spec.kind === 'module' && !existsSync(spec.path)) {
    throw new ObjectiveLoadError(`objective module ${spec.path} does not exist; fix objective.module in the space file`);
  }
  if (spec.kind === 'builtin' && builtinManifest(spec.name) === undefined) throw builtinNotInstalled(spec.name);
  const missing = spec.kind === 'command' ? missingProgram(spec) : undefined;
  if (missing !== undefined) throw new ObjectiveLoadError(missing);
}

/**
 * What a CUDA_VISIBLE_DEVICES set in this shell does to the run: it limits `auto` to the GPUs it
 * lists by index; GPUs it names otherwise (UUIDs) are not mapped, and named `devices` (nvidia-smi
 * indices) replace it for each trial.
 */
export function inheritedVisibleDevicesNotice(devices: DeviceSpec, inherited: string | undefined, found: readonly number[]): string[] {
  if (inherited === undefined || devices === 'cpu' || found.length === 0) return [];
  const visible = visibleGpus(inherited);
  if (Array.isArray(devices)) return [`CUDA_VISIBLE_DEVICES=${inherited} in this environment is replaced for each trial: devices ${devices.join(',')} are nvidia-smi's indices`];
  if (visible === undefined) return [`CUDA_VISIBLE_DEVICES=${inherited} names GPUs other than by index, which devices auto does not map: it uses every GPU nvidia-smi lists (${found.join(', ')}); name the ones to use with --devices`];
  const used = found.filter((gpu) => visible.includes(gpu));
  const limited = used.length === 0 ? `no GPU of the ${found.length} nvidia-smi lists, so trials run on the CPU` : `GPU ${used.join(', ')}`;
  return [`CUDA_VISIBLE_DEVICES=${inherited} limits devices auto to ${limited}`];
}

/**
 * A process beats every min(5 s, its own grace / 3): a grace here shorter than three of
 * another process's beats fails that process's live trials as dead.
 */
function shortStaleGraceNotice(stale: number | undefined): string[] {
  if (stale === undefined || stale >= 3 * DEFAULT_HEARTBEAT_SECONDS) return [];
  return [
    `--stale-after ${stale}s is shorter than ${3 * DEFAULT_HEARTBEAT_SECONDS}s: a sodate process started without it beats every ${DEFAULT_HEARTBEAT_SECONDS}s, so this run would fail such a process's live trials as dead; give every process working on this study the same --stale-after`,
  ];
}
