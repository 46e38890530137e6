// One dispatch of an elementwise.wgsl entry: the helper every pointwise op goes through.
import { grid1d, kernels, params } from '../../gpu/kernels.js';
import type { Runtime } from '../../gpu/runtime.js';

export type ElementwiseEntry = keyof typeof kernels.elementwise;

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
  const u = params('elementwise', { n, cols, alpha, beta });
  rt.dispatch(kernels.elementwise[entry], [u, inputs[0], inputs[1], out], grid1d(n));
}
