import { execFile } from 'node:child_process';
import os from 'node:os';
import type { DeviceSnapshot, GpuReading } from './model/types.js';

const NVIDIA_SMI_ARGS = ['--query-gpu=index,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'];

/** Runs a command and resolves with its stdout; rejects when it cannot run or fails. */
export type CommandRunner = (command: string, args: readonly string[], timeoutMs: number) => Promise<string>;

const runCommand: CommandRunner = (command, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(command, [...args], { timeout: timeoutMs, windowsHide: true }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });

/** `nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits` output, parsed. */
export function parseNvidiaSmi(text: string): GpuReading[] {
  const out: GpuReading[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cells = line.split(',').map((c) => Number(c.trim()));
    if (cells.length < 4 || cells.slice(0, 4).some((c) => !Number.isFinite(c))) continue;
    const [index, utilization, memoryUsedMiB, memoryTotalMiB] = cells as [number, number, number, number];
    out.push({ index, utilization, memoryUsedMiB, memoryTotalMiB });
  }
  return out;
}

export interface DevicePollerOptions {
  /** Milliseconds between readings; at least 2000 (nvidia-smi is not free). Default 2000. */
  readonly intervalMs?: number;
  /** How nvidia-smi is run; injectable for tests. */
  readonly run?: CommandRunner;
  /** Skip nvidia-smi altogether (CPU and memory only). Default false. */
  readonly cpuOnly?: boolean;
}

/**
 * Reads this machine's devices every couple of seconds, asynchronously: GPU utilization
 * and memory from nvidia-smi where it runs, CPU busy share (from `os.cpus()` deltas),
 * load and memory always. Never blocks: a reading still in flight skips the next tick,
 * and once nvidia-smi fails it is not tried again. The timer does not keep Node alive.
 */
export class DevicePoller {
  private readonly intervalMs: number;
  private readonly run: CommandRunner;
  private gpuAvailable: boolean;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastCpu: { idle: number; total: number } | undefined;

  constructor(options: DevicePollerOptions = {}) {
    this.intervalMs = Math.max(2000, options.intervalMs ?? 2000);
    this.run = options.run ?? runCommand;
    this.gpuAvailable = options.cpuOnly !== true;
  }

  start(onReading: (snapshot: DeviceSnapshot) => void): void {
    this.stop();
    const tick = () => {
      if (this.busy) return;
      this.busy = true;
      this.read()
        .then(onReading, () => undefined)
        .finally(() => (this.busy = false));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One reading now. */
  async read(): Promise<DeviceSnapshot> {
    let gpus: GpuReading[] = [];
    if (this.gpuAvailable) {
      try {
        gpus = parseNvidiaSmi(await this.run('nvidia-smi', NVIDIA_SMI_ARGS, 1500));
      } catch {
        this.gpuAvailable = false;
      }
    }
    const cpus = os.cpus();
    let idle = 0;
    let total = 0;
    for (const c of cpus) {
      idle += c.times.idle;
      total += c.times.idle + c.times.user + c.times.nice + c.times.sys + c.times.irq;
    }
    const last = this.lastCpu;
    this.lastCpu = { idle, total };
    const cpuUtilization = last === undefined || total <= last.total ? null : (100 * (1 - (idle - last.idle) / (total - last.total)));
    const totalMemory = os.totalmem();
    return {
      host: os.hostname(),
      gpus,
      cpuUtilization,
      cpuCount: cpus.length,
      load1: os.loadavg()[0] ?? 0,
      memoryUsedBytes: totalMemory - os.freemem(),
      memoryTotalBytes: totalMemory,
    };
  }
}
