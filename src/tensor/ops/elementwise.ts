// One dispatch of an elementwise.wgsl entry: the helper every pointwise op goes through.
import { kernels, grid1d } from '../../gpu/kernels.js';
import { Uniform, type Runtime } from '../../gpu/runtime.js';

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
  const u = new Uniform(4).u32(n).u32(cols).f32(alpha).f32(beta);
  rt.dispatch(kernels.elementwise[entry], [u, inputs[0], inputs[1], out], grid1d(n));
}
