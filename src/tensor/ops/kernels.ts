// The kernel table: each WGSL entry point with its bindings, and the dispatch-size helpers.
import { Uniform, type Kernel, type Runtime } from '../../gpu/runtime.js';

const K = (file: string, entry: string, bindings: Kernel['bindings']): Kernel => ({ file, entry, bindings });

const ew = ['uniform', 'read', 'read', 'rw'] as const;
export const kernels = {
  add: K('elementwise', 'add', ew),
  axpy: K('elementwise', 'axpy', ew),
  scale: K('elementwise', 'scale', ew),
  relu: K('elementwise', 'relu', ew),
  relu_grad: K('elementwise', 'relu_grad', ew),
  bias_add: K('elementwise', 'bias_add', ew),
  broadcast_row: K('elementwise', 'broadcast_row', ew),
  broadcast_col: K('elementwise', 'broadcast_col', ew),
  broadcast_all: K('elementwise', 'broadcast_all', ew),
  fill: K('elementwise', 'fill', ew),
  sum_rows: K('reduce', 'sum_rows', ew),
  sum_cols: K('reduce', 'sum_cols', ew),
  sum_all: K('reduce', 'sum_all', ew),
  sum_sq_diff: K('reduce', 'sum_sq_diff', ew),
  mse_grad: K('loss', 'mse_grad', ['uniform', 'read', 'read', 'read', 'rw']),
  dropout: K('dropout', 'dropout', ew),
  matmul: K('matmul', 'matmul', ['uniform', 'read', 'read', 'read', 'read', 'rw']),
  matmul_vec4: K('matmul', 'matmul_vec4', ['uniform', 'read', 'read', 'read', 'read', 'rw']),
  splitk_reduce: K('matmul', 'splitk_reduce', ['uniform', 'read', 'read', 'read', 'read', 'rw']),
  matmul_naive: K('matmul', 'matmul_naive', ['uniform', 'read', 'read', 'read', 'read', 'rw']),
} satisfies Record<string, Kernel>;

export type ElementwiseEntry =
  | 'add'
  | 'axpy'
  | 'scale'
  | 'relu'
  | 'relu_grad'
  | 'bias_add'
  | 'broadcast_row'
  | 'broadcast_col'
  | 'broadcast_all'
  | 'fill';

/** Workgroups for n invocations at 64 per workgroup: a 2-D grid past the 65535 per-dimension limit. */
export function grid1d(n: number, perGroup = 64): [number, number] {
  const groups = Math.max(1, Math.ceil(n / perGroup));
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}

/** Dispatches one elementwise.wgsl entry: out[0..n) from a, b with Params {n, cols, alpha, beta}. */
export function elementwise(
  rt: Runtime,
  entry: ElementwiseEntry,
  n: number,
  cols: number,
  alpha: number,
  beta: number,
  inputs: [GPUBuffer, GPUBuffer],
  out: GPUBuffer,
): void {
  const u = new Uniform(4).u32(n).u32(cols).f32(alpha).f32(beta);
  rt.dispatch(kernels[entry], [u, inputs[0], inputs[1], out], grid1d(n));
}
