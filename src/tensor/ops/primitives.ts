// The elementwise kernels the tape itself needs (fill: a gradient's seed; axpy: accumulation) and
// those no op of the table owns (the bias add, the sums' backward broadcasts), as a table of WGSL
// expressions: shaders/primitives.wgsl's entry points are generated from it, as the op table's are
// (./elementwise.ts). This module imports no tensor, so the tape (../tensor.ts) can use it and the
// ops can use the tape.
//
// In an expression, `a` and `b` are the read bindings, `out` the written one, `i` the element and
// `P` the Params struct {n, cols, alpha, beta} (shaders/primitives.wgsl, shaders/elementwise.wgsl).
import { defineFamily, grid1d } from '../../gpu/registry.js';
import type { Runtime } from '../../gpu/runtime.js';

/** An entry point: out[i] = `out`, and what it computes, with shapes (the comment above it in the WGSL). */
export interface KernelSpec {
  out: string;
  what: string;
}

const KERNELS = {
  axpy: { out: 'out[i] + P.alpha * a[i]', what: 'out += alpha · a               (gradient accumulation, in place)' },
  bias_add: { out: 'a[i] + b[i % P.cols]', what: 'out[r, c] = a[r, c] + b[c]     a, out: [rows, cols], b: [1, cols]' },
  broadcast_row: { out: 'P.alpha * a[i % P.cols]', what: 'out[r, c] = alpha · a[c]       a: [1, cols] (backward of a sum over rows)' },
  broadcast_col: { out: 'P.alpha * a[i / P.cols]', what: 'out[r, c] = alpha · a[r]       a: [rows, 1] (backward of a sum over columns)' },
  broadcast_all: { out: 'P.alpha * a[0]', what: 'out = alpha · a[0]             (backward of a sum over everything)' },
  fill: { out: 'P.beta', what: 'out = beta' },
} as const satisfies Record<string, KernelSpec>;

/** An entry point of shaders/primitives.wgsl. */
export type PrimitiveEntry = keyof typeof KERNELS;

/** One generated entry point: the grid index, the bounds guard, out[i]. */
export function entryWgsl(name: string, k: KernelSpec): string {
  return `
// ${k.what}
@compute @workgroup_size(GRID_WG)
fn ${name}(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = ${k.out};
}
`;
}

/** The bindings of a generated entry: Params, a, b, out. */
export const POINTWISE_BINDINGS = ['uniform', 'read', 'read', 'rw'] as const;
/** Their uniform: both shader files declare this struct. */
export const POINTWISE_PARAMS = { n: 'u32', cols: 'u32', alpha: 'f32', beta: 'f32' } as const;

/** shaders/primitives.wgsl: its Params and bindings, and the entry points generated from the table. */
export const primitivesFamily = defineFamily(
  'primitives',
  Object.fromEntries(Object.keys(KERNELS).map((name) => [name, POINTWISE_BINDINGS])) as Record<PrimitiveEntry, typeof POINTWISE_BINDINGS>,
  POINTWISE_PARAMS,
  Object.entries(KERNELS)
    .map(([name, k]) => entryWgsl(name, k))
    .join(''),
);

/** Dispatches one primitives.wgsl entry: out[0..n) from a, b with Params {n, cols, alpha, beta}. */
export function primitive(rt: Runtime, entry: PrimitiveEntry, n: number, cols: number, alpha: number, beta: number, inputs: [GPUBuffer, GPUBuffer], out: GPUBuffer): void {
  const u = primitivesFamily.params({ n, cols, alpha, beta });
  rt.dispatch(primitivesFamily.kernels[entry], [u, inputs[0], inputs[1], out], grid1d(n));
}
