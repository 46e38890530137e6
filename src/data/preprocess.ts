// How raw input numbers become the network's inputs, stored with the model so that `predict`
// applies exactly what training applied: x_used = factor · rule(x_raw), where the rule 'unit'
// divides pixel-like data (integers, largest value in 2..255) by 255, as the bundled digits are
// stored, and 'none' leaves the numbers alone.
//
// `--scale paper` is the DEC paper's normalisation: one constant factor chosen on the training data
// so that the mean of (1/d)·‖x_i‖² reaches a target (1 in the paper's text; the original code's
// 0.02 per grey level gives about 2.9 on MNIST). The factor is then fixed: predict applies it as is.
export type ScaleRule = 'unit' | 'none';
export type ScaleMode = 'unit' | 'none' | 'paper';

export interface Preprocess {
  rule: ScaleRule;
  factor: number;
  /** How the factor was chosen: 'paper' (for `target`), else given (1 unless --input-scale). */
  scale?: ScaleMode;
  target?: number;
}

export const defaultPreprocess: Preprocess = { rule: 'unit', factor: 1, scale: 'unit' };

/** True for integer data whose largest magnitude is in (1, 255]: 8-bit pixels. */
export function looksLikePixels(x: Float32Array): boolean {
  let max = 0;
  for (const v of x) {
    if (!Number.isInteger(v)) return false;
    if (Math.abs(v) > max) max = Math.abs(v);
  }
  return max > 1 && max <= 255;
}

/** x ·= factor, in place. */
export function scaleInPlace(x: Float32Array, factor: number): void {
  if (factor !== 1) for (let i = 0; i < x.length; i++) x[i] *= factor;
}

/** Applies `p` to x in place. */
export function applyPreprocess(x: Float32Array, p: Preprocess): void {
  if (p.rule === 'unit' && looksLikePixels(x)) for (let i = 0; i < x.length; i++) x[i] /= 255;
  scaleInPlace(x, p.factor);
}

/** The mean over points of (1/d)·‖x_i‖² (float64 accumulation). */
export function meanSquaredNorm(x: Float32Array, d: number): number {
  let s = 0;
  for (const v of x) s += v * v;
  return s / (x.length / d) / d;
}

/** The factor that brings the mean of (1/d)·‖x_i‖² to `target`. */
export function paperFactor(x: Float32Array, d: number, target: number): number {
  const m = meanSquaredNorm(x, d);
  if (!(m > 0)) throw new RangeError('the data is all zeros: no scale factor reaches the target');
  return Math.sqrt(target / m);
}
