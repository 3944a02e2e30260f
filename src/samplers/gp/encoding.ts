/**
 * Where the GP sees parameters: each numeric parameter becomes one coordinate in [0, 1]
 * (in log space for log ranges; a discrete one with its end values padded by half a step
 * so that every value owns an equal share), each categorical one its choice index, which
 * the kernel compares by equality.
 */
import type { Distribution } from '../../space/distributions.js';
import { cardinality, snap } from '../../space/distributions.js';
import type { SearchSpaceMap } from '../../policies/policies.js';

export type DimensionKind = 'continuous' | 'discrete' | 'categorical';

export interface Dimension {
  readonly name: string;
  readonly distribution: Distribution;
  readonly kind: DimensionKind;
  /** Number of values (Infinity for a continuous range). */
  readonly size: number;
  /** Internal value → coordinate. */
  encode(internal: number): number;
  /** Coordinate → internal value on the distribution (snapped). */
  decode(coordinate: number): number;
}

export interface Encoding {
  readonly dimensions: readonly Dimension[];
  readonly names: readonly string[];
  readonly d: number;
  /** 1 for categorical dimensions (Hamming distance in the kernel). */
  readonly categorical: Uint8Array;
  /** 1 for numeric dimensions (gradient moves), 0 for categorical ones. */
  readonly numeric: Uint8Array;
  /** 1 for continuous dimensions only. */
  readonly continuous: Uint8Array;
}

function numericDimension(name: string, dist: Distribution & { kind: 'float' | 'int' }): Dimension {
  const size = cardinality(dist);
  const discrete = Number.isFinite(size);
  const pad = discrete ? (dist.kind === 'int' ? dist.step : (dist.step as number)) / 2 : 0;
  const warp = dist.log ? Math.log : (v: number): number => v;
  const unwarp = dist.log ? Math.exp : (v: number): number => v;
  const lo = warp(dist.low - pad);
  const hi = warp(dist.high + pad);
  const width = hi - lo;
  return {
    name,
    distribution: dist,
    kind: discrete ? 'discrete' : 'continuous',
    size,
    encode: (internal) => (width > 0 ? Math.min(1, Math.max(0, (warp(internal) - lo) / width)) : 0.5),
    decode: (coordinate) => snap(dist, unwarp(lo + Math.min(1, Math.max(0, coordinate)) * width)),
  };
}

/** The encoding of a search space, parameters in name order. */
export function buildEncoding(space: SearchSpaceMap): Encoding {
  const names = Object.keys(space).sort();
  const dimensions = names.map((name): Dimension => {
    const dist = space[name] as Distribution;
    if (dist.kind === 'categorical') {
      return {
        name,
        distribution: dist,
        kind: 'categorical',
        size: dist.choices.length,
        encode: (internal) => internal,
        decode: (coordinate) => snap(dist, coordinate),
      };
    }
    return numericDimension(name, dist);
  });
  const d = dimensions.length;
  return {
    dimensions,
    names,
    d,
    categorical: Uint8Array.from(dimensions, (x) => (x.kind === 'categorical' ? 1 : 0)),
    numeric: Uint8Array.from(dimensions, (x) => (x.kind === 'categorical' ? 0 : 1)),
    continuous: Uint8Array.from(dimensions, (x) => (x.kind === 'continuous' ? 1 : 0)),
  };
}

/** Encode a trial's internal values; null when one is missing. */
export function encodeParams(encoding: Encoding, internal: Readonly<Record<string, number>>, out: Float64Array, offset = 0): boolean {
  for (let j = 0; j < encoding.d; j++) {
    const value = internal[encoding.names[j] as string];
    if (value === undefined || !Number.isFinite(value)) return false;
    out[offset + j] = (encoding.dimensions[j] as Dimension).encode(value);
  }
  return true;
}

/** Snap a point of the encoded space onto values the parameters can take (in place). */
export function snapPoint(encoding: Encoding, point: Float64Array): Float64Array {
  for (let j = 0; j < encoding.d; j++) {
    const dim = encoding.dimensions[j] as Dimension;
    if (dim.kind !== 'continuous') point[j] = dim.encode(dim.decode(point[j] as number));
    else point[j] = Math.min(1, Math.max(0, point[j] as number));
  }
  return point;
}

/** Map a point of [0, 1)^d (a QMC or random draw) into the encoded space, snapped. */
export function fromUnitCube(encoding: Encoding, u: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let j = 0; j < encoding.d; j++) {
    const dim = encoding.dimensions[j] as Dimension;
    const uj = u[j] as number;
    out[j] = dim.kind === 'categorical' ? Math.min(dim.size - 1, Math.floor(uj * dim.size)) : uj;
  }
  return snapPoint(encoding, out);
}

/** Internal values of an encoded point. */
export function decodePoint(encoding: Encoding, point: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let j = 0; j < encoding.d; j++) {
    const dim = encoding.dimensions[j] as Dimension;
    out[dim.name] = dim.decode(point[j] as number);
  }
  return out;
}
