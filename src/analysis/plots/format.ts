import type { ParamValue } from '../../space/distributions.js';

/** A tick or value label: short, 4 significant digits, exponent for the very small or large. */
export function formatTick(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'inf' : '-inf';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-3 || abs >= 1e5) return value.toExponential(1).replace('e+', 'e');
  return String(Number(value.toPrecision(4)));
}

/** A number shown in a table or tooltip: 6 significant digits. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'inf' : '-inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(6)));
}

export function formatParamValue(value: ParamValue | undefined): string {
  if (value === undefined) return '-';
  return typeof value === 'number' ? formatValue(value) : String(value);
}
