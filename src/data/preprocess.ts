// How raw input numbers become the network's inputs, stored with the model so that `predict`
// applies exactly what training applied: x_used = factor · rule(x_raw), where the rule 'unit'
// divides pixel-like data (integers, largest value in 2..255) by 255, as the bundled digits are
// stored, and 'none' leaves the numbers alone.
export type ScaleRule = 'unit' | 'none';

export interface Preprocess {
  rule: ScaleRule;
  factor: number;
}

export const defaultPreprocess: Preprocess = { rule: 'unit', factor: 1 };

/** True for integer data whose largest magnitude is in (1, 255]: 8-bit pixels. */
export function looksLikePixels(x: Float32Array): boolean {
  let max = 0;
  for (const v of x) {
    if (!Number.isInteger(v)) return false;
    if (Math.abs(v) > max) max = Math.abs(v);
  }
  return max > 1 && max <= 255;
}

/** Applies `p` to x in place. */
export function applyPreprocess(x: Float32Array, p: Preprocess): void {
  if (p.rule === 'unit' && looksLikePixels(x)) for (let i = 0; i < x.length; i++) x[i] /= 255;
  if (p.factor !== 1) for (let i = 0; i < x.length; i++) x[i] *= p.factor;
}
