// One dispatch of an elementwise.wgsl entry: the helper every pointwise op goes through.
import { defineFamily, grid1d } from '../../gpu/registry.js';
import type { Runtime } from '../../gpu/runtime.js';

const ew = ['uniform', 'read', 'read', 'rw'] as const; // Params, a, b, out

/** shaders/elementwise.wgsl. */
export const elementwiseFamily = defineFamily(
  'elementwise',
  { add: ew, axpy: ew, scale: ew, relu: ew, relu_grad: ew, bias_add: ew, broadcast_row: ew, broadcast_col: ew, broadcast_all: ew, fill: ew },
  { n: 'u32', cols: 'u32', alpha: 'f32', beta: 'f32' },
);

export type ElementwiseEntry = keyof typeof elementwiseFamily.kernels;

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
  const u = elementwiseFamily.params({ n, cols, alpha, beta });
  rt.dispatch(elementwiseFamily.kernels[entry], [u, inputs[0], inputs[1], out], grid1d(n));
}
