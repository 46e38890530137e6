// DEC-DA's augmentation of a batch of images on the GPU (shaders/augment.wgsl): each image turned by
// its own random angle and moved by its own random shift, bilinear, zero outside. The warps come
// from a hash of (seed, step, salt, image), so a run is reproducible and resumable bit for bit. The
// result is the input of a step: nothing is recorded on the tape.
import type { Runtime } from '../../gpu/runtime.js';
import { ShapeError } from '../../gpu/errors.js';
import { grid1d, kernels, params } from '../../gpu/kernels.js';
import { empty, type Tensor } from '../tensor.js';
import type { DropoutRng } from './dropout.js';

/** How far images are warped, and their shape. */
export interface AugmentOptions {
  /** Height and width (h · w = the row length). */
  h: number;
  w: number;
  /** The largest rotation, degrees (DEC-DA: 10). */
  rotate: number;
  /** The largest shift, a fraction of the side (DEC-DA: 0.1). */
  shift: number;
  /** Tells this use of the counter apart from others (dropout's salts are small). */
  salt?: number;
  /** The index of row 0 among the step's images. */
  offset?: number;
}

/** Salt of the augmentation's draws: far from the dropout layers' 0, 1, 2, … */
export const AUGMENT_SALT = 0xa117;

/** x: [rows, h·w] -> [rows, h·w], each row warped by its own draw from rng's (seed, step). */
export function augment(x: Tensor, rng: DropoutRng, o: AugmentOptions): Tensor {
  if (x.cols !== o.h * o.w) throw new ShapeError('augment', x.shape, [x.rows, o.h * o.w], `rows must be ${o.h}×${o.w} images`);
  const rt = x.rt;
  const y = empty(rt, x.rows, x.cols);
  const u = params('augment', { rows: x.rows, h: o.h, w: o.w, salt: o.salt ?? AUGMENT_SALT, rotate: (o.rotate * Math.PI) / 180, shift: o.shift, offset: o.offset ?? 0 });
  rt.dispatch(kernels.augment.augment, [u, x.buffer, rng.buffer, y.buffer], grid1d(x.size));
  return y;
}

/** The same map for given warps: T [rows, 3] holds each image's θ (radians), t_x and t_y (pixels). */
export function warpInto(rt: Runtime, x: GPUBuffer, t: GPUBuffer, rows: number, h: number, w: number, out: GPUBuffer): void {
  rt.dispatch(kernels.augment.warp, [params('augment', { rows, h, w }), x, t, out], grid1d(rows * h * w));
}

/** The PCG-style hash of augment.wgsl (and dropout.wgsl), on the host. */
function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** One image's warp: the angle (radians) and the shift (pixels). */
export interface Warp {
  theta: number;
  tx: number;
  ty: number;
}

/**
 * The warps augment.wgsl draws for images `offset` … `offset + count − 1` at (seed, step), on the
 * host: what a run records to show its augmentation (the tests tie the two together).
 */
export function augmentDraws(count: number, o: AugmentOptions, seed: number, step: number): Warp[] {
  const salt = o.salt ?? AUGMENT_SALT;
  const draw = (i: number, j: number) => ((pcg(((3 * i + j) ^ pcg((salt ^ pcg((step ^ pcg(seed)) >>> 0)) >>> 0)) >>> 0) >>> 8) * 2) / 16777216 - 1;
  const rotate = Math.fround((o.rotate * Math.PI) / 180);
  const shift = Math.fround(o.shift);
  return Array.from({ length: count }, (_, r) => {
    const i = (o.offset ?? 0) + r;
    return { theta: rotate * draw(i, 0), tx: shift * o.w * draw(i, 1), ty: shift * o.h * draw(i, 2) };
  });
}
