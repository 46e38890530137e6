// DEC-DA's augmentation of a batch of images (shaders/augment.wgsl): each image turned by its own
// random angle and moved by its own random shift, bilinear, zero outside. The warps come from a
// hash of (seed, step, salt, image), so a run is reproducible and resumable bit for bit. They are
// drawn here, on the host, in float64, with cos θ and sin θ: WGSL leaves sin and cos an error of
// 2⁻¹¹, so on the GPU the same seed would warp differently on each driver. The kernel gets
// [rows, 4] floats per step (4 KiB at batch 256), written like the step counter of the masks. The
// result is the input of a step: nothing is recorded on the tape.
import type { Runtime } from '../../gpu/runtime.js';
import { ShapeError } from '../../gpu/errors.js';
import { defineFamily, grid1d } from '../../gpu/registry.js';
import { empty, type Tensor } from '../tensor.js';
import type { DropoutRng } from './dropout.js';

/** shaders/augment.wgsl: Params, images, T, out. */
export const augmentFamily = defineFamily('augment', { warp: ['uniform', 'read', 'read', 'rw'] }, { rows: 'u32', h: 'u32', w: 'u32', pad: 'u32' });

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
  const t = rt.acquire(x.rows * 16);
  rt.write(t, warpTable(augmentDraws(x.rows, o, rng.seed, rng.step)));
  warpInto(rt, x.buffer, t, x.rows, o.h, o.w, y.buffer);
  rt.release(t); // reused only after the submit that reads it (BufferPool)
  return y;
}

/** The map for given warps: t [rows, 4] holds each image's cos θ, sin θ, t_x and t_y (warpTable). */
export function warpInto(rt: Runtime, x: GPUBuffer, t: GPUBuffer, rows: number, h: number, w: number, out: GPUBuffer): void {
  rt.dispatch(augmentFamily.kernels.warp, [augmentFamily.params({ rows, h, w }), x, t, out], grid1d(rows * h * w));
}

/** The kernel's table of warps, [rows, 4]: cos θ, sin θ, t_x, t_y, each rounded once from float64. */
export function warpTable(warps: readonly Warp[]): Float32Array<ArrayBuffer> {
  return Float32Array.from(warps.flatMap((v) => [Math.cos(v.theta), Math.sin(v.theta), v.tx, v.ty]));
}

/** The PCG-style hash of dropout.wgsl, on the host (Jarzynski & Olano, 2020). */
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
 * The warps of images `offset` … `offset + count − 1` at (seed, step): draw j of image i is
 * uniform in [−1, 1) from a hash of (3i + j, salt, step, seed); θ = rotate · draw 0 (radians),
 * t = shift · (w, h) · (draw 1, draw 2) (pixels). What augment warps by, and what a run records to
 * show its augmentation.
 */
export function augmentDraws(count: number, o: AugmentOptions, seed: number, step: number): Warp[] {
  const salt = o.salt ?? AUGMENT_SALT;
  const key = pcg((salt ^ pcg((step ^ pcg(seed)) >>> 0)) >>> 0);
  const draw = (i: number, j: number) => ((pcg(((3 * i + j) ^ key) >>> 0) >>> 8) * 2) / 16777216 - 1;
  const rotate = (o.rotate * Math.PI) / 180;
  return Array.from({ length: count }, (_, r) => {
    const i = (o.offset ?? 0) + r;
    return { theta: rotate * draw(i, 0), tx: o.shift * o.w * draw(i, 1), ty: o.shift * o.h * draw(i, 2) };
  });
}
