// Matrix multiply with transposes read in place and a fused bias + ReLU epilogue; its backward
// fuses the ReLU mask into the gradient reads.
import { ShapeError } from '../../gpu/errors.js';
import type { Uniform, Runtime } from '../../gpu/runtime.js';
import { accumulate, empty, gradTarget, needsGrad, record, type Tensor } from '../tensor.js';
import { defineFamily, grid1d } from '../../gpu/registry.js';
import { sumRowsRaw } from './reduce.js';
import { productClass, type MatmulKernel, type ProductShape } from './matmul-classes.js';
import './matmul-settings.js'; // rt.products and rt.splitK, read below

const mm = ['uniform', 'read', 'read', 'read', 'read', 'rw'] as const; // dims, A, B, bias, mask, C
const dims = { M: 'u32', N: 'u32', K: 'u32', chunk: 'u32' } as const; // chunk: K per split (split-K only)

/** shaders/matmul.wgsl: the register-blocked product, split-K's reduction and the naive reference. */
export const matmulFamily = defineFamily('matmul', { matmul: mm, matmul_vec4: mm, splitk_reduce: mm, matmul_naive: mm }, dims);
/** shaders/matmul_subgroup.wgsl: the product over subgroups (needs the `subgroups` feature). */
export const matmulSubgroupFamily = defineFamily('matmul_subgroup', { matmul_subgroup: mm, matmul_subgroup_vec4: mm }, dims);
/** shaders/matmul_tiled.wgsl: the product over workgroup-memory tiles. */
export const matmulTiledFamily = defineFamily('matmul_tiled', { matmul_tiled: mm, matmul_tiled_vec4: mm }, dims);

/** matmulInto's operand layouts and fused epilogue, on raw buffers. */
export interface MatmulFlags {
  transA?: boolean;
  transB?: boolean;
  relu?: boolean;
  /** The mask (a ReLU output in that operand's stored layout) applied to operand A or B as read. */
  maskA?: GPUBuffer;
  maskB?: GPUBuffer;
  bias?: GPUBuffer;
}

/**
 * Which kernel computes a product:
 * - 'auto': the runtime's choice for the product's class on its adapter (`rt.products`, measured:
 *   src/tensor/ops/matmul-choice.ts);
 * - 'blocked': register-blocked, 4 × 8 outputs per invocation, no workgroup memory (vec4 loads
 *   where M, N, K allow, else scalar loads): matmul.wgsl;
 * - 'scalar': the blocked kernel with scalar loads always (kept for comparison);
 * - 'subgroup': 8 × 8 outputs per invocation, op(A)'s loads shared across a subgroup by broadcast
 *   (needs the `subgroups` feature and a fixed subgroup size): matmul_subgroup.wgsl;
 * - 'tiled': 32 × 32 tiles in workgroup memory, 4 × 4 outputs per invocation, vec4 loads (the GPU
 *   kernel): matmul_tiled.wgsl;
 * - 'naive': one output per invocation, the validation reference.
 */
export type MatmulImpl = 'auto' | 'blocked' | 'scalar' | 'subgroup' | 'tiled' | 'naive';


/** Outputs per invocation of the subgroup kernel (8 × 8), and its workgroup size. */
const SUBGROUP_BLOCK = 8;
const SUBGROUP_WG = 64;
/** Tile of C per workgroup of the tiled kernel, and k per tile (fixed in matmul_tiled.wgsl). */
const TILE = { m: 32, n: 32, k: 16 };

/** Outputs per invocation of the blocked kernel (fixed in matmul.wgsl). */
export const BLOCK = { rows: 4, cols: 8 };
const INVOCATIONS = 64;

/**
 * The workgroup shape for an M × N output: 8 × 8 invocations, except for narrow outputs (the
 * 10-unit embedding: N = 10, or M = 10 in its weight gradient), where a square workgroup would
 * leave most invocations past the edge idle. There the workgroup is stretched along the long side
 * (e.g. 2 × 32), so every SIMD lane group of 8 invocations has work.
 */
export function workgroupFor(M: number, N: number): { x: number; y: number } {
  const pow2 = (v: number) => 2 ** Math.ceil(Math.log2(Math.max(1, v)));
  const needX = pow2(Math.ceil(N / BLOCK.cols));
  const needY = pow2(Math.ceil(M / BLOCK.rows));
  if (needX < 8) return { x: needX, y: INVOCATIONS / needX };
  if (needY < 8) return { x: INVOCATIONS / needY, y: needY };
  return { x: 8, y: 8 };
}

/** C[M, N] = op(A) · op(B) (+ bias, ReLU) on raw buffers; records one dispatch. */
export function matmulInto(
  rt: Runtime,
  a: GPUBuffer,
  b: GPUBuffer,
  c: GPUBuffer,
  M: number,
  N: number,
  K: number,
  f: MatmulFlags = {},
  impl: MatmulImpl = 'auto',
): void {
  const constants = {
    TRANS_A: !!f.transA,
    TRANS_B: !!f.transB,
    BIAS: !!f.bias,
    RELU: !!f.relu,
    MASK_A: !!f.maskA,
    MASK_B: !!f.maskB,
  };
  const u = matmulFamily.params({ M, N, K });
  const buffers = [u, a, b, f.bias ?? rt.scratch, f.maskA ?? f.maskB ?? rt.scratch, c];
  if (impl === 'naive') {
    rt.dispatch(matmulFamily.kernels.matmul_naive, buffers, [Math.ceil(N / 8), Math.ceil(M / 8)], constants);
    return;
  }
  const shape = { M, N, K, transA: f.transA, transB: f.transB };
  const kernel = kernelFor(rt, impl, shape);
  const splits = splitsFor(rt, shape);
  if (splits > 1) {
    splitK(rt, kernel, buffers, M, N, K, splits, constants);
    return;
  }
  const vec4 = impl !== 'scalar' && M % 4 === 0 && N % 4 === 0 && K % 4 === 0;
  dispatchProduct(rt, kernel, buffers, M, N, K, 1, { ...constants, SPLIT_K: false }, vec4);
}

/** The kernel for one product: 'auto' takes the runtime's choice for the product's class. */
export function kernelFor(rt: Runtime, impl: Exclude<MatmulImpl, 'naive'>, p: ProductShape): MatmulKernel | 'scalar' {
  if (impl === 'subgroup' && !rt.gpu.subgroupSize) throw new Error('matmul: the subgroup kernel needs an adapter with the subgroups feature and one fixed subgroup size');
  if (impl !== 'auto') return impl;
  return rt.products.classes[productClass(p)].kernel;
}

/**
 * How many K-slices one product gets, whichever kernel computes it: splitKFor's count where split-K
 * is on for the product's class (`rt.products`, measured) or forced on (`rt.splitK`), else 1.
 */
export function splitsFor(rt: Runtime, p: ProductShape): number {
  const on = rt.splitK === 'auto' ? rt.products.classes[productClass(p)].splitK : rt.splitK;
  return on ? splitKFor(p.M, p.N, p.K) : 1;
}

/** Records one product (or, with SPLIT_K, its partial products over `splits` K-slices). */
function dispatchProduct(
  rt: Runtime,
  kernel: MatmulKernel | 'scalar',
  buffers: (GPUBuffer | Uniform)[],
  M: number,
  N: number,
  K: number,
  splits: number,
  constants: Record<string, boolean>,
  vec4: boolean,
): void {
  if (kernel === 'subgroup') {
    const sg = rt.gpu.subgroupSize!;
    const wg = Math.max(SUBGROUP_WG, sg);
    const rowsPerGroup = (wg / sg) * SUBGROUP_BLOCK;
    const groups: [number, number, number] = [Math.ceil(N / (SUBGROUP_BLOCK * sg)), Math.ceil(M / rowsPerGroup), splits];
    const entry = vec4 ? matmulSubgroupFamily.kernels.matmul_subgroup_vec4 : matmulSubgroupFamily.kernels.matmul_subgroup;
    rt.dispatch(entry, buffers, groups, { ...constants, SG: sg, WG: wg, LANES: Math.min(sg, 8) });
  } else if (kernel === 'tiled') {
    const groups: [number, number, number] = [Math.ceil(N / TILE.n), Math.ceil(M / TILE.m), splits];
    rt.dispatch(vec4 ? matmulTiledFamily.kernels.matmul_tiled_vec4 : matmulTiledFamily.kernels.matmul_tiled, buffers, groups, constants);
  } else {
    const { x, y } = workgroupFor(M, N);
    const groups: [number, number, number] = [Math.ceil(N / (BLOCK.cols * x)), Math.ceil(M / (BLOCK.rows * y)), splits];
    // The vec4 variant has no split-K (split-K runs on GPUs, where 'tiled' is the kernel).
    const entry = vec4 && splits === 1 ? matmulFamily.kernels.matmul_vec4 : matmulFamily.kernels.matmul;
    rt.dispatch(entry, buffers, groups, { ...constants, WG_X: x, WG_Y: y });
  }
}

/**
 * How many K-slices a deep product would get: > 1 for deep products with few output blocks (the
 * 10-unit embedding's forward, 256×2000×10: 128 blocks each walking K = 2000), where one invocation
 * per block would leave most of a GPU idle. Whether a class is split at all is measured (splitsFor).
 */
export function splitKFor(M: number, N: number, K: number): number {
  const blocks = Math.ceil(M / BLOCK.rows) * Math.ceil(N / BLOCK.cols);
  if (K < 512 || blocks >= 512) return 1;
  return Math.min(16, Math.floor(K / 128));
}

/**
 * Split-K: partial products per K-slice into a pooled buffer, then an ordered sum + epilogue.
 * Slices are multiples of 16 k, so that every kernel's k steps (1, 4 or 8 lanes, 16-k tiles) and
 * vec4 loads stay whole within a slice.
 */
function splitK(rt: Runtime, kernel: MatmulKernel | 'scalar', buffers: (GPUBuffer | Uniform)[], M: number, N: number, K: number, splits: number, constants: Record<string, boolean>): void {
  const [, a, b, bias, mask, c] = buffers as [Uniform, GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer];
  const chunk = Math.ceil(K / splits / TILE.k) * TILE.k;
  const used = Math.ceil(K / chunk);
  const partial = rt.acquire(used * M * N * 4);
  const slice = matmulFamily.params({ M, N, K, chunk });
  const vec4 = kernel !== 'scalar' && M % 4 === 0 && N % 4 === 0 && K % 4 === 0;
  dispatchProduct(rt, kernel, [slice, a, b, rt.scratch, mask, partial], M, N, K, used, { ...constants, BIAS: false, RELU: false, SPLIT_K: true }, vec4);
  const sum = matmulFamily.params({ M, N, K: used });
  rt.dispatch(matmulFamily.kernels.splitk_reduce, [sum, partial, rt.scratch, bias, rt.scratch, c], grid1d(M * N), { BIAS: constants.BIAS, RELU: constants.RELU });
  rt.release(partial);
}

/** matmul's options: transposes read in place, a fused bias and ReLU, the kernel. */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  bias?: Tensor;
  relu?: boolean;
  impl?: MatmulImpl;
}

/**
 * y = op(a) · op(b) [+ bias] [ReLU]       op(a): [M, K], op(b): [K, N], bias: [1, N] -> y: [M, N]
 * Backward, with g' = g ⊙ [y > 0] when ReLU (read fused, never stored):
 *   d op(a) = g' · op(b)ᵀ,  d op(b) = op(a)ᵀ · g',  d bias = Σ_rows g'
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false, bias, relu = false, impl = 'auto' } = opts;
  const [M, Ka] = transA ? [a.cols, a.rows] : [a.rows, a.cols];
  const [Kb, N] = transB ? [b.cols, b.rows] : [b.rows, b.cols];
  if (Ka !== Kb) {
    const what = `inner dimensions differ (${Ka} vs ${Kb}; transA=${transA}, transB=${transB})`;
    throw new ShapeError('matmul', a.shape, b.shape, what);
  }
  if (bias && (bias.rows !== 1 || bias.cols !== N)) throw new ShapeError('matmul bias', bias.shape, [1, N], 'bias must be [1, N]');
  const rt = a.rt;
  const y = empty(rt, M, N);
  matmulInto(rt, a.buffer, b.buffer, y.buffer, M, N, Ka, { transA, transB, relu, bias: bias?.buffer }, impl);
  if (!needsGrad(a, b, bias)) return y;
  return record(y, (g) => {
    const mask = relu ? y.buffer : undefined;
    if (a.requiresGrad) {
      const da = gradTarget(a); // in place in an optimiser's gradient arena where a is a parameter
      if (!transA) matmulInto(rt, g.buffer, b.buffer, da.buffer, M, Ka, N, { transB: !transB, maskA: mask });
      else matmulInto(rt, b.buffer, g.buffer, da.buffer, Ka, M, N, { transA: transB, transB: true, maskB: mask });
      accumulate(a, da);
    }
    if (b.requiresGrad) {
      const db = gradTarget(b);
      if (!transB) matmulInto(rt, a.buffer, g.buffer, db.buffer, Ka, N, M, { transA: !transA, maskB: mask });
      else matmulInto(rt, g.buffer, a.buffer, db.buffer, N, Ka, M, { transA: true, transB: transA, maskA: mask });
      accumulate(b, db);
    }
    if (bias?.requiresGrad) {
      const dbias = gradTarget(bias);
      sumRowsRaw(rt, g.buffer, M, N, 1, dbias.buffer, mask);
      accumulate(bias, dbias);
    }
  });
}
