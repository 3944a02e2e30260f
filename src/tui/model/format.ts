import type { ParamValue } from '../../space/distributions.js';

/**
 * Text helpers of the dashboard. The CLI has its own (`src/cli/format.ts`); nothing may
 * import `cli`, so the few the dashboard needs live here.
 */

/** A number as people read it: at most `digits` significant digits, exponent for the very small or large. */
export function formatNumber(value: number | null | undefined, digits = 5): string {
  if (value === null || value === undefined) return '-';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e7) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(Math.max(1, digits - 3));
  return String(Number(value.toPrecision(digits)));
}

/** A parameter value as `sodate trials` and the plain log print it (6 significant digits: `eps=1.000e-8`). */
export function formatParam(value: ParamValue | undefined): string {
  if (value === undefined) return '-';
  if (typeof value !== 'number') return String(value);
  // Integers as the CLI writes them (plain below 1e9); formatNumber turns them to exponents from 1e7 to fit value columns.
  return Number.isInteger(value) && Math.abs(value) < 1e9 ? String(value) : formatNumber(value, 6);
}

/** 4.2s, 3m07s, 2h05m, 3d04h; '-' for unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.floor(seconds - m * 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** Bytes as 300B, 2K, 512M, 12.3G. */
export function formatBytes(bytes: number): string {
  const gib = bytes / 2 ** 30;
  if (gib >= 100) return `${Math.round(gib)}G`;
  if (gib >= 1) return `${gib.toFixed(1)}G`;
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)}M`;
  if (bytes >= 2 ** 10) return `${Math.round(bytes / 2 ** 10)}K`;
  return `${Math.round(bytes)}B`;
}

/** `text` cut or padded to exactly `width` characters; a cut ends in '…'. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  if (text.length > width) return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

/** `text` cut to at most `width` characters (no padding). */
export function clip(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length > width ? (width === 1 ? '…' : `${text.slice(0, width - 1)}…`) : text;
}
