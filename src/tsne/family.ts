// The t-SNE kernels both methods share (shaders/tsne.wgsl): the fixed-order sum and the step. The
// exact method's own entry points (distances, dense affinities, forces over every pair, KL, ranks)
// live in the same shader file and are dispatched by exact.ts; the sparse method's attraction and
// KL by sparse.ts (shaders/tsne_sparse.wgsl).
import { defineFamily, grid1d } from '../gpu/registry.js';
import type { Runtime, Uniform } from '../gpu/runtime.js';

/** shaders/tsne.wgsl. */
export const tsneFamily = defineFamily(
  'tsne',
  {
    sq_dists: ['uniform', 'read', 'rw'],
    perplexity_rows: ['uniform', 'rw', 'rw'],
    symmetrise: ['uniform', 'rw'],
    forces: ['uniform', 'read', 'read', 'rw', 'rw'],
    partial_sums: ['uniform', 'read', 'rw'],
    update: ['uniform', 'read', 'read', 'rw', 'rw', 'rw'],
    kl_rows: ['uniform', 'read', 'read', 'read', 'rw'],
    ranks: ['uniform', 'read', 'read', 'rw'],
  },
  { n: 'u32', dx: 'u32', exaggeration: 'f32', lr: 'f32', momentum: 'f32', log_perplexity: 'f32', min_gain: 'f32', k: 'u32' },
);

const K = tsneFamily.kernels;

/** Uniform of every tsne.wgsl entry point, with the defaults the unused fields take. */
export function tsneParams(n: number, o: { dx?: number; exaggeration?: number; lr?: number; momentum?: number; logPerplexity?: number; minGain?: number; k?: number } = {}): Uniform {
  return tsneFamily.params({
    n,
    dx: o.dx,
    exaggeration: o.exaggeration ?? 1,
    lr: o.lr,
    momentum: o.momentum,
    log_perplexity: o.logPerplexity,
    min_gain: o.minGain ?? 0.01,
    k: o.k,
  });
}

/**
 * dst[0] = Σ src[0..count): one partial per 256 values, then the partials' partials, until one
 * is left (a fixed order: the same bits every run). Uses two pooled scratch buffers.
 */
export function sumInto(rt: Runtime, src: GPUBuffer, count: number, dst: GPUBuffer): void {
  const pass = (from: GPUBuffer, n: number, to: GPUBuffer) => rt.dispatch(K.partial_sums, [tsneParams(n), from, to], grid1d(n, 256));
  if (count <= 256) return pass(src, count, dst);
  const a = rt.acquire(Math.ceil(count / 256) * 4);
  const b = rt.acquire(Math.ceil(count / 256 ** 2) * 4);
  let from = src;
  let n = count;
  let to = a;
  while (n > 256) {
    pass(from, n, to);
    n = Math.ceil(n / 256);
    from = to;
    to = to === a ? b : a;
  }
  pass(from, n, dst);
  rt.release(a);
  rt.release(b);
}

/**
 * The gradient of KL(P ‖ Q) at one map, as both methods produce it: ∂C/∂y_i = 4 (α A_i − R_i / Z)
 * with A_i the attraction, R_i the repulsion (`force` [n] vec4: A_i, R_i) and Z (`z` [1]).
 */
export interface Forces {
  readonly n: number;
  /** [n, 2] the map. */
  readonly y: GPUBuffer;
  /** [n] (A_i, R_i) as vec4. */
  readonly force: GPUBuffer;
  /** [1] Z. */
  readonly z: GPUBuffer;
  /** [1] KL(P ‖ Q), after klDivergence(). */
  readonly kl: GPUBuffer;
  /** A, R and Z at the current map. */
  compute(): void;
  /** KL(P ‖ Q) into `kl`; needs compute() for this map first (Z). */
  klDivergence(): void;
  release(): void;
}

/** One step of the optimiser on y: delta-bar-delta gains and momentum over the gradient of `f` (tsne.wgsl `update`). */
export function stepInto(rt: Runtime, f: Forces, velocity: GPUBuffer, gains: GPUBuffer, exaggeration: number, lr: number, momentum: number, minGain: number): void {
  const u = tsneParams(f.n, { exaggeration, lr, momentum, minGain });
  rt.dispatch(K.update, [u, f.force, f.z, f.y, velocity, gains], grid1d(f.n));
}
