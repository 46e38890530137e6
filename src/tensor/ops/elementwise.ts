// The differentiable elementwise ops as one table. Each entry point of shaders/elementwise.wgsl is
// one WGSL expression for out[i] here; the shader's entry points are generated from the table (the
// bounds guard written once, in entryWgsl: ./primitives.ts, whose kernels the tape needs), and the
// ops (add, scale, ReLU) are built from the same entries, forward and backward side by side. A new pointwise op is one entry in OPS
// and one export line below it, a float64 reference in test/op-table.ts and its name in
// docs/library.md.
//
// In an expression, `a` and `b` are the read bindings, `out` the written one, `i` the element and
// `P` the Params struct {n, cols, alpha, beta} of shaders/elementwise.wgsl.
import { ShapeError } from '../../gpu/errors.js';
import { defineFamily, grid1d } from '../../gpu/registry.js';
import type { Runtime } from '../../gpu/runtime.js';
import { accumulate, empty, needsGrad, record, type Tensor } from '../tensor.js';
import { entryWgsl, POINTWISE_BINDINGS, POINTWISE_PARAMS, type KernelSpec } from './primitives.js';

/**
 * A differentiable op of one input (`a`) or two (`a`, `b`), of the same shape as its output, with
 * an optional scalar `alpha` (P.alpha; 1 where the op takes none). Its gradient is either an entry
 * point of its own, `<name>_grad` (a: the upstream gradient g, b: the op's input x or its output y,
 * as `reads` says), or each input's gradient computed from g by other ops.
 */
interface OpSpec extends KernelSpec {
  inputs: 1 | 2;
  alpha?: true;
  grad: (KernelSpec & { reads: 'x' | 'y' }) | readonly ((g: Tensor, alpha: number) => Tensor)[];
}

const OPS = {
  add: { inputs: 2, out: 'a[i] + P.alpha * b[i]', what: 'out = a + alpha · b            a, b, out: [n]', grad: [(g) => scaleRaw(g, 1), (g, alpha) => scaleRaw(g, alpha)] },
  scale: { inputs: 1, alpha: true, out: 'P.alpha * a[i]', what: 'out = alpha · a', grad: [(g, alpha) => scaleRaw(g, alpha)] },
  relu: {
    inputs: 1,
    out: 'max(a[i], 0.0)',
    what: 'out = max(a, 0)',
    grad: { reads: 'y', out: 'select(0.0, a[i], b[i] > 0.0)', what: "ReLU backward: out = a · [b > 0]     a: upstream gradient, b: the ReLU's output" },
  },
} as const satisfies Record<string, OpSpec>;

type Ops = typeof OPS;
type GradEntry<N extends keyof Ops> = N extends unknown ? (Ops[N]['grad'] extends { out: string } ? `${N}_grad` : never) : never;
/** An entry point of shaders/elementwise.wgsl. */
export type ElementwiseEntry = keyof Ops | GradEntry<keyof Ops>;

const specs: [string, KernelSpec][] = [
  ...Object.entries(OPS).flatMap(([name, op]): [string, KernelSpec][] => ('out' in op.grad ? [[name, op], [`${name}_grad`, op.grad]] : [[name, op]])),
];

/** shaders/elementwise.wgsl: its Params and bindings, and the entry points generated from the table. */
export const elementwiseFamily = defineFamily(
  'elementwise',
  Object.fromEntries(specs.map(([name]) => [name, POINTWISE_BINDINGS])) as Record<ElementwiseEntry, typeof POINTWISE_BINDINGS>,
  POINTWISE_PARAMS,
  specs.map(([name, k]) => entryWgsl(name, k)).join(''),
);

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

/** alpha · a, recorded on no tape: a gradient computed from another. */
function scaleRaw(a: Tensor, alpha: number): Tensor {
  const y = empty(a.rt, a.rows, a.cols);
  elementwise(a.rt, 'scale', y.size, y.cols, alpha, 0, [a.buffer, a.buffer], y.buffer);
  return y;
}

/** The call signature of op N: (a), (a, alpha) or (a, b, alpha = 1). */
type OpFn<S extends OpSpec> = S extends { inputs: 2 } ? (a: Tensor, b: Tensor, alpha?: number) => Tensor : S extends { alpha: true } ? (a: Tensor, alpha: number) => Tensor : (a: Tensor) => Tensor;

/** Op `name` of the table: its forward dispatch and, where an input needs a gradient, its backward on the tape. */
function op<N extends keyof Ops>(name: N): OpFn<Ops[N]> {
  const spec: OpSpec = OPS[name];
  const fn = (a: Tensor, ...rest: (Tensor | number | undefined)[]): Tensor => {
    const b = spec.inputs === 2 ? (rest[0] as Tensor) : a;
    const alpha = ((spec.inputs === 2 ? rest[1] : spec.alpha ? rest[0] : undefined) as number | undefined) ?? 1;
    if (a.rows !== b.rows || a.cols !== b.cols) throw new ShapeError(name, a.shape, b.shape);
    const rt = a.rt;
    const y = empty(rt, a.rows, a.cols);
    elementwise(rt, name, y.size, y.cols, alpha, 0, [a.buffer, b.buffer], y.buffer);
    const inputs = spec.inputs === 2 ? [a, b] : [a];
    if (!needsGrad(...inputs)) return y;
    const grad = spec.grad;
    return record(y, (g) => {
      if ('out' in grad) {
        const da = empty(rt, a.rows, a.cols);
        elementwise(rt, `${name}_grad` as ElementwiseEntry, da.size, da.cols, alpha, 0, [g.buffer, (grad.reads === 'y' ? y : a).buffer], da.buffer);
        accumulate(a, da);
      } else inputs.forEach((t, k) => t.requiresGrad && accumulate(t, grad[k](g, alpha)));
    });
  };
  return fn as OpFn<Ops[N]>;
}

/** y = a + alpha · b                 a, b, y: [rows, cols];  da = g, db = alpha · g */
export const add = op('add');
/** y = alpha · a;  da = alpha · g */
export const scale = op('scale');
/** y = max(a, 0);  da = g ⊙ [y > 0] */
export const relu = op('relu');
