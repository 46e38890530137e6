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
