import { horizontalBar } from './charts.js';
import { fit, formatBytes } from './format.js';
import { fitLine, padLines, textLine, titleLine } from './lines.js';
import type { DeviceSnapshot, Line, Panel, Span } from './types.js';

function gpuSummary(g: DeviceSnapshot['gpus'][number]): string {
  return `GPU${g.index} ${Math.round(g.utilization)}% ${formatBytes(g.memoryUsedMiB * 2 ** 20)}/${formatBytes(g.memoryTotalMiB * 2 ** 20)}`;
}

function cpuSummary(d: DeviceSnapshot): string {
  const cpu = d.cpuUtilization === null ? '-' : `${Math.round(d.cpuUtilization)}%`;
  return `CPU ${cpu} ×${d.cpuCount} · load ${d.load1.toFixed(1)} · mem ${formatBytes(d.memoryUsedBytes)}/${formatBytes(d.memoryTotalBytes)}`;
}

/** One line: every GPU (or the CPU) in short. */
export function deviceLine(device: DeviceSnapshot | null | undefined, width: number, backend?: string): Line {
  const compute: Span[] = backend === undefined ? [] : [{ text: ` · ${backend}`, tone: 'dim' }];
  if (device === null || device === undefined) return fitLine([{ text: 'devices: reading…', tone: 'dim' }, ...compute], width);
  const text = device.gpus.length > 0 ? device.gpus.map(gpuSummary).join(' · ') : cpuSummary(device);
  return fitLine([{ text: `${device.host} `, tone: 'dim' }, { text }, ...compute], width);
}

/**
 * This machine's devices: a bar per GPU for utilization and memory, else CPU and memory; and
 * the compute backend trials report (the image trainer's tfjs backend), where there is room.
 */
export function devicePanel(device: DeviceSnapshot | null | undefined, width: number, height: number, backend?: string): Panel {
  const rows = Math.max(0, height - 1);
  const lines: Line[] = [];
  const bar = (label: string, fraction: number, text: string) => {
    const barWidth = Math.max(1, width - label.length - text.length - 2);
    return fitLine([{ text: `${label} ` }, { text: horizontalBar(fraction, barWidth), tone: fraction > 0.9 ? 'warn' : 'accent' }, { text: ` ${text}`, tone: 'dim' }], width);
  };
  if (device === null || device === undefined) lines.push(textLine('  reading…', width, 'dim'));
  else {
    for (const g of device.gpus) {
      lines.push(bar(`GPU${g.index} util`, g.utilization / 100, fit(`${Math.round(g.utilization)}%`, 4, 'right')));
      if (lines.length < rows) lines.push(bar(`GPU${g.index} mem `, g.memoryTotalMiB > 0 ? g.memoryUsedMiB / g.memoryTotalMiB : 0, `${formatBytes(g.memoryUsedMiB * 2 ** 20)}/${formatBytes(g.memoryTotalMiB * 2 ** 20)}`));
    }
    if (device.gpus.length === 0 || lines.length + 2 <= rows) {
      lines.push(bar('CPU', (device.cpuUtilization ?? 0) / 100, `${device.cpuUtilization === null ? '-' : Math.round(device.cpuUtilization)}% ×${device.cpuCount}`));
      lines.push(bar('mem', device.memoryTotalBytes > 0 ? device.memoryUsedBytes / device.memoryTotalBytes : 0, `${formatBytes(device.memoryUsedBytes)}/${formatBytes(device.memoryTotalBytes)}`));
    }
  }
  if (backend !== undefined && lines.length < rows) lines.push(textLine(`backend ${backend}`, width, 'dim'));
  const title = titleLine('devices', width, device?.host ?? '');
  return { id: 'devices', title, lines: padLines(lines, rows, width), width, height };
}
