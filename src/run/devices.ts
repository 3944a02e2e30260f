import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { OptionError } from '../errors.js';
import type { DeviceSpec } from '../study-file/study-file.js';
import type { Slot } from './slots.js';

/** GPU indices `nvidia-smi` lists; empty when it is missing or fails. */
export function discoverGpus(run: (cmd: string, args: string[]) => string = defaultRun): number[] {
  let out: string;
  try {
    out = run('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader,nounits']);
  } catch {
    return [];
  }
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^\d+$/.test(line))
    .map(Number);
}

function defaultRun(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
}

export interface SlotPlanOptions {
  /** GPUs found on this machine (default: ask nvidia-smi, only when `devices` is auto). */
  readonly gpus?: readonly number[];
  /** CPU cores (default: os.availableParallelism()). */
  readonly cores?: number;
  /** The CUDA_VISIBLE_DEVICES this run inherited, which limits `auto` (default: process.env's). */
  readonly cudaVisibleDevices?: string | undefined;
}

/**
 * The GPUs an inherited CUDA_VISIBLE_DEVICES leaves to `devices: auto`, by nvidia-smi index,
 * read as CUDA reads it: the entries up to the first that names no device (`0,-1,2` is GPU 0;
 * `-1`, `NoDevFiles` or an empty value hide every GPU). Undefined when it is unset or names
 * GPUs by UUID (`GPU-…`, `MIG-…`), which is not mapped here.
 */
export function visibleGpus(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((p) => p.trim());
  if (/^(GPU|MIG)-/i.test(parts[0] ?? '')) return undefined;
  const gpus: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part)) break;
    gpus.push(Number(part));
  }
  return gpus;
}

/**
 * The slots for `workers: { devices, perDevice }`:
 * - `[0, 1]` → perDevice slots on each listed GPU (default 1);
 * - `cpu` → perDevice slots on the CPU (default: one per core);
 * - `auto` → the GPUs nvidia-smi finds as above (those an inherited CUDA_VISIBLE_DEVICES
 *   lists, when it lists indices), else the CPU as above.
 */
export function planSlots(devices: DeviceSpec, perDevice: number | undefined, options: SlotPlanOptions = {}): Slot[] {
  if (perDevice !== undefined && (!Number.isInteger(perDevice) || perDevice < 1)) throw new OptionError(`perDevice must be a positive integer, got ${perDevice}`);
  let gpus: readonly number[];
  if (devices === 'cpu') gpus = [];
  else if (devices === 'auto') {
    const visible = visibleGpus('cudaVisibleDevices' in options ? options.cudaVisibleDevices : process.env['CUDA_VISIBLE_DEVICES']);
    const found = options.gpus ?? discoverGpus();
    gpus = visible === undefined ? found : found.filter((gpu) => visible.includes(gpu));
  }
  else gpus = checkListedGpus(devices, options.gpus ?? discoverGpus());
  if (gpus.length > 0) {
    const per = perDevice ?? 1;
    return gpus.flatMap((gpu) => Array.from({ length: per }, (_, i) => ({ name: `gpu${gpu}#${i}`, device: `cuda:${gpu}`, gpu })));
  }
  const count = perDevice ?? Math.max(1, options.cores ?? availableParallelism());
  return Array.from({ length: count }, (_, i) => ({ name: `cpu#${i}`, device: 'cpu', gpu: null }));
}

/**
 * GPU indices a user named, refused when nvidia-smi lists GPUs and not these: a child pinned to
 * a missing index sees no GPU at all and would train on the CPU without a word. When nvidia-smi
 * lists nothing (not installed, another vendor) the indices cannot be checked and are trusted.
 */
function checkListedGpus(named: readonly number[], listed: readonly number[]): readonly number[] {
  const missing = named.filter((gpu) => !listed.includes(gpu));
  if (listed.length > 0 && missing.length > 0) {
    throw new OptionError(
      `devices ${named.join(',')}: this machine has no GPU ${missing.join(', ')} (nvidia-smi lists ${listed.join(', ')}); name only those, or use devices auto`,
    );
  }
  return named;
}

/** `auto`, `cpu` or `0,1` from the command line. */
export function parseDevicesFlag(text: string): DeviceSpec {
  const value = text.trim();
  if (value === 'auto' || value === 'cpu') return value;
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length === 0 || !parts.every((p) => /^\d+$/.test(p))) {
    throw new OptionError(`--devices expects auto, cpu or GPU indices such as 0,1, got ${JSON.stringify(text)}`);
  }
  return parts.map(Number);
}

/**
 * The environment a process slot's child gets: its GPU alone (none for the CPU), set before
 * any framework loads. GPUs are numbered as nvidia-smi numbers them, in PCI bus order, while
 * CUDA numbers them fastest first unless told otherwise: on a machine with two models the
 * same index would be another card.
 */
export function deviceEnv(slot: Slot): Record<string, string> {
  return {
    CUDA_VISIBLE_DEVICES: slot.gpu === null ? '' : String(slot.gpu),
    ...(slot.gpu === null ? {} : { CUDA_DEVICE_ORDER: 'PCI_BUS_ID' }),
    SODATE_DEVICE: slot.device,
    SODATE_SLOT: slot.name,
  };
}
