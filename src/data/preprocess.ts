// How raw input numbers become the network's inputs, stored with the model so that `predict`
// applies exactly what training applied: x_used = factor · x_raw / divisor. The rule 'unit' sets
// the divisor to 255 when the training data is 8-bit pixels (integers in 0..255, largest above 1),
// as the bundled digits are stored; 'none' sets it to 1. The divisor is decided once, on the
// training data, and then applied as stored, whatever a later file looks like.
//
// `--scale paper` is the DEC paper's normalisation: one constant factor chosen on the training data
// so that the mean of (1/d)·‖x_i‖² reaches a target (1 in the paper's text; the original code's
// 0.02 per grey level gives about 2.9 on MNIST). The factor is then fixed: predict applies it as is.
import { OptionError } from '../io/errors.js';

/** How raw values are divided: 'unit' (8-bit pixels by 255) or 'none'. */
export type ScaleRule = 'unit' | 'none';
/** The input scaling a run asks for: a ScaleRule, or 'paper' (a factor chosen on the data). */
export type ScaleMode = 'unit' | 'none' | 'paper';

/**
 * How raw inputs become the network's inputs: x_used = factor · x_raw / divisor (stored in the
 * model file).
 */
export interface Preprocess {
  rule: ScaleRule;
  factor: number;
  /** What raw values are divided by (255 for pixels under 'unit'); unset until decided on the training data. */
  divisor?: number;
  /** How the factor was chosen: 'paper' (for `target`), else given (1 unless --input-scale). */
  scale?: ScaleMode;
  target?: number;
}

/** The 'unit' rule with factor 1: 8-bit pixel data divided by 255, anything else as it is. */
export const defaultPreprocess: Preprocess = { rule: 'unit', factor: 1, scale: 'unit' };

/** True for integer data in 0..255 whose largest value is above 1: 8-bit pixels. */
export function looksLikePixels(x: Float32Array): boolean {
  let max = 0;
  for (const v of x) {
    if (!Number.isInteger(v) || v < 0) return false;
    if (v > max) max = v;
  }
  return max > 1 && max <= 255;
}

/** x ·= factor, in place. */
export function scaleInPlace(x: Float32Array, factor: number): void {
  if (factor !== 1) for (let i = 0; i < x.length; i++) x[i] *= factor;
}

/**
 * x_used = factor · x / divisor, in place: the one place the preprocessing's arithmetic is written
 * (a file's blocks at upload and an array in memory get the very same values). `stored`: what x is
 * already divided by.
 */
export function convertInPlace(x: Float32Array, divisor: number, factor: number, stored = 1): void {
  if (divisor !== stored) {
    const [num, den] = [stored, divisor];
    for (let i = 0; i < x.length; i++) x[i] = num === 1 ? x[i] / den : (x[i] * num) / den;
  }
  scaleInPlace(x, factor);
}

/** The value each byte 0 … 255 of 8-bit data becomes: the table packed rows are unpacked through (src/tensor/packed.ts). */
export function byteTable(divisor: number, factor: number): Float32Array {
  const table = Float32Array.from({ length: 256 }, (_, v) => v);
  convertInPlace(table, divisor, factor);
  return table;
}

/** The divisor `p` gives data that does (or does not) look like 8-bit pixels: its own where it has one. */
export function divisorFor(p: Preprocess, pixels: boolean): number {
  return p.divisor ?? (p.rule === 'unit' && pixels ? 255 : 1);
}

/**
 * Applies `p` to x in place and returns it with the divisor decided (where `p` has none yet).
 * `stored`: what x is already divided by (255 for the bundled digits, which come as pixels / 255).
 */
export function applyPreprocess(x: Float32Array, p: Preprocess, stored = 1): Preprocess {
  const divisor = divisorFor(p, stored === 255 || looksLikePixels(x));
  convertInPlace(x, divisor, p.factor, stored);
  return { ...p, divisor };
}

/** The mean over points of (1/d)·‖x_i‖² (float64 accumulation). */
export function meanSquaredNorm(x: Float32Array, d: number): number {
  let s = 0;
  for (const v of x) s += v * v;
  return s / (x.length / d) / d;
}

/** The factor that brings the mean of (1/d)·‖x_i‖² to `target`. */
export function paperFactor(x: Float32Array, d: number, target: number): number {
  return factorFor(meanSquaredNorm(x, d), target);
}

/** The same from the mean (1/d)·‖x_i‖² itself (a pass over a file measures it). */
export function factorFor(meanSq: number, target: number): number {
  if (!(meanSq > 0)) throw new OptionError((name) => `${name('scale')} paper: the data is all zeros, so no factor reaches the target; use ${name('scale')} unit or none`);
  return Math.sqrt(target / meanSq);
}
