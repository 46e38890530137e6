// Sums and means over rows, columns or everything; backward broadcasts the gradient back.
import type { Runtime } from '../../gpu/runtime.js';
import { accumulate, empty, needsGrad, record, type Tensor } from '../tensor.js';
import { defineFamily, grid1d } from '../../gpu/registry.js';
import { primitive } from './primitives.js';

const ew = ['uniform', 'read', 'read', 'rw'] as const; // Params, a, mask, out

/** shaders/reduce.wgsl. */
export const reduceFamily = defineFamily(
  'reduce',
  { sum_rows: ew, sum_cols: ew, sum_all: ew, sum_sq_diff: ew },
  { rows: 'u32', cols: 'u32', alpha: 'f32', pad: 'u32' },
);

/** out[1, cols] = alpha · Σ_r a[r, :] (· [mask > 0] when given). */
export function sumRowsRaw(rt: Runtime, a: GPUBuffer, rows: number, cols: number, alpha: number, out: GPUBuffer, mask?: GPUBuffer): void {
  const u = reduceFamily.params({ rows, cols, alpha });
  rt.dispatch(reduceFamily.kernels.sum_rows, [u, a, mask ?? rt.scratch, out], [Math.ceil(cols / 64)], { MASK_B: !!mask });
}

/** What a reduction sums over: 'rows' gives [1, cols], 'cols' gives [rows, 1], 'all' gives [1, 1]. */
export type Axis = 'rows' | 'cols' | 'all';

/**
 * alpha-scaled sum of a: [rows, cols] over
 *   'rows' -> [1, cols] (each column summed),  'cols' -> [rows, 1],  'all' -> [1, 1].
 */
function reduce(a: Tensor, axis: Axis, alpha: number): Tensor {
  const rt = a.rt;
  const [r, c] = axis === 'rows' ? [1, a.cols] : axis === 'cols' ? [a.rows, 1] : [1, 1];
  const y = empty(rt, r, c);
  const u = reduceFamily.params({ rows: a.rows, cols: a.cols, alpha });
  const bufs = [u, a.buffer, rt.scratch, y.buffer];
  if (axis === 'rows') rt.dispatch(reduceFamily.kernels.sum_rows, bufs, [Math.ceil(a.cols / 64)], { MASK_B: false });
  else if (axis === 'cols') rt.dispatch(reduceFamily.kernels.sum_cols, bufs, grid1d(a.rows), { MASK_B: false });
  else rt.dispatch(reduceFamily.kernels.sum_all, bufs, [1], { MASK_B: false });
  if (!needsGrad(a)) return y;
  return record(y, (g) => {
    const da = empty(rt, a.rows, a.cols);
    const entry = axis === 'rows' ? 'broadcast_row' : axis === 'cols' ? 'broadcast_col' : 'broadcast_all';
    primitive(rt, entry, a.size, a.cols, alpha, 0, [g.buffer, g.buffer], da.buffer);
    accumulate(a, da);
  });
}

/** Σ of a over `axis`; backward broadcasts the gradient back. */
export function sum(a: Tensor, axis: Axis = 'all'): Tensor {
  return reduce(a, axis, 1);
}

/** The mean of a over `axis`; backward broadcasts the gradient / count back. */
export function mean(a: Tensor, axis: Axis = 'all'): Tensor {
  const count = axis === 'rows' ? a.rows : axis === 'cols' ? a.cols : a.size;
  return reduce(a, axis, 1 / count);
}
