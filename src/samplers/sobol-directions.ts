/**
 * Sobol direction numbers for dimensions 2–64 from the Joe–Kuo table (new-joe-kuo-6.21201,
 * public domain data; the same table scipy ships). Each entry is "p m1 m2 … ms": p is the
 * primitive polynomial of degree s with its leading and trailing 1 bits kept, m1…ms the
 * initial direction integers. Dimension 1 (all m = 1) is implicit.
 */
const TABLE =
  '3 1;7 1 3;11 1 3 1;13 1 1 1;19 1 1 3 3;25 1 3 5 13;37 1 1 5 5 17;41 1 1 5 5 5;47 1 1 7 11 19;55 1 1 5 1 1;59 1 1 1 3 11;61 1 3 5 5 31;67 1 3 3 9 7 49;91 1 1 1 15 21 21;97 1 3 1 13 27 49;103 1 1 1 15 7 5;109 1 3 1 15 13 25;115 1 1 5 5 19 61;131 1 3 7 11 23 15 103;137 1 3 7 13 13 15 69;143 1 1 3 13 7 35 63;145 1 3 5 9 1 25 53;157 1 3 1 13 9 35 107;167 1 3 1 5 27 61 31;171 1 1 5 11 19 41 61;185 1 3 5 3 3 13 69;191 1 1 7 13 1 19 1;193 1 3 7 5 13 19 59;203 1 1 3 9 25 29 41;211 1 3 5 13 23 1 55;213 1 3 7 3 13 59 17;229 1 3 1 3 5 53 69;239 1 1 5 5 23 33 13;241 1 1 7 7 1 61 123;247 1 1 7 9 13 61 49;253 1 3 3 5 3 55 33;285 1 3 1 15 31 13 49 245;299 1 3 5 15 31 59 63 97;301 1 3 1 11 11 11 77 249;333 1 3 1 11 27 43 71 9;351 1 1 7 15 21 11 81 45;355 1 3 7 3 25 31 65 79;357 1 3 1 1 19 11 3 205;361 1 1 5 9 19 21 29 157;369 1 3 7 11 1 33 89 185;391 1 3 3 3 15 9 79 71;397 1 3 7 11 15 39 119 27;425 1 1 3 1 11 31 97 225;451 1 1 1 3 23 43 57 177;463 1 3 7 7 17 17 37 71;487 1 3 1 5 27 63 123 213;501 1 1 3 5 11 43 53 133;529 1 3 5 5 29 17 47 173 479;539 1 3 3 11 3 1 109 9 69;545 1 1 1 5 17 39 23 5 343;557 1 3 1 5 25 15 31 103 499;563 1 1 1 11 11 17 63 105 183;601 1 1 5 11 9 29 97 231 363;607 1 1 5 15 19 45 41 7 383;617 1 3 7 7 31 19 83 137 221;623 1 1 1 3 23 15 111 223 83;631 1 1 5 13 31 15 55 25 161;637 1 1 3 13 25 47 39 87 257';

/** Dimensions the embedded table covers (including the implicit first one). */
export const SOBOL_MAX_DIMENSION = 64;

/** The 32 direction numbers of each dimension, as 32-bit words (bit 31 is the first binary digit). */
export function sobolDirections(dimension: number): Uint32Array[] {
  if (dimension > SOBOL_MAX_DIMENSION) throw new RangeError(`Sobol directions are tabled for ${SOBOL_MAX_DIMENSION} dimensions, asked for ${dimension}`);
  const rows = TABLE.split(';');
  const out: Uint32Array[] = [];
  for (let j = 0; j < dimension; j++) {
    const v = new Uint32Array(32);
    if (j === 0) {
      for (let k = 0; k < 32; k++) v[k] = (1 << (31 - k)) >>> 0;
      out.push(v);
      continue;
    }
    const numbers = (rows[j - 1] as string).split(' ').map(Number);
    const poly = numbers[0] as number;
    const s = 31 - Math.clz32(poly);
    const m = new Array<number>(33).fill(0);
    for (let k = 1; k <= s; k++) m[k] = numbers[k] as number;
    for (let k = s + 1; k <= 32; k++) {
      // m_k = 2^s m_(k-s) xor m_(k-s) xor (xor over i<s of 2^i a_i m_(k-i)); every term stays below 2^32.
      let x = (m[k - s] as number) * 2 ** s;
      x = xor32(x, m[k - s] as number);
      for (let i = 1; i < s; i++) if ((poly >> (s - i)) & 1) x = xor32(x, (m[k - i] as number) * 2 ** i);
      m[k] = x;
    }
    for (let k = 1; k <= 32; k++) v[k - 1] = ((m[k] as number) * 2 ** (32 - k)) % 4294967296 >>> 0;
    out.push(v);
  }
  return out;
}

/** Bitwise xor of two integers in [0, 2^32). */
function xor32(a: number, b: number): number {
  return (a ^ b) >>> 0;
}
