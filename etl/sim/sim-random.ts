/**
 * Seeded, fast pseudo-random numbers for the simulator. Every stream is keyed by integers (seed, symbol hash,
 * session index, segment), so any day of any symbol can be generated alone and always comes out the same.
 */

export { hashString } from '../core/seeded-random.ts';

/** Mixes integers into one well-spread 32-bit key (murmur3 finaliser per step). */
export function mixKey(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A uniform in [0, 1) determined by the key parts alone (no stream state). */
export function uniformAt(...parts: number[]): number {
  return mixKey(...parts) / 4294967296;
}

/** A seeded stream of uniforms and standard normals (splitmix32; normals from an inverse-CDF table). */
export class RandomStream {
  private state: number;

  constructor(key: number) {
    this.state = key >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  }

  /**
   * Standard normal, from a 4,096-point inverse-CDF table (tails cut at ±3.7 σ).
   * why: Box–Muller's log/sqrt/sin cost more than everything else in minute generation; synthetic paths do not
   * need exact tails.
   */
  normal(): number {
    return NORMAL_TABLE[(this.next() * NORMAL_TABLE_SIZE) | 0];
  }
}

const NORMAL_TABLE_SIZE = 4096;

/** Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - low) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

const NORMAL_TABLE = Float64Array.from({ length: NORMAL_TABLE_SIZE }, (_, i) =>
  inverseNormal((i + 0.5) / NORMAL_TABLE_SIZE),
);
