// Exact t-SNE's side of the work (shaders/tsne.wgsl): a dense n × n P in one storage binding, and
// every pair every iteration: the attraction, the repulsion and Z in one pass (`forces`), the KL
// over every pair. O(n²) time and memory, no approximation: for maps of a few thousand points, and
// the reference the sparse method (sparse.ts) is measured against.
import { InputError, OptionError } from '../io/errors.js';
import { grid1d } from '../gpu/registry.js';
import type { Runtime } from '../gpu/runtime.js';
import { bindingLimit } from '../tensor/chunked.js';
import { sumInto, tsneFamily, tsneParams as params, type Forces } from './family.js';
import { mapNeighbours, trustworthinessFromRanks } from './trustworthiness.js';

/** tsne.wgsl's `forces` workgroup: F = 64 points, one per invocation. */
const FORCES_WG = 64;

const K = tsneFamily.kernels;
const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST

/** The largest n whose n × n affinity matrix fits one storage binding on this device. */
export function maxExactPoints(rt: Runtime): number {
  return Math.floor(Math.sqrt(bindingLimit(rt) / 4));
}

/** An n × n float32 buffer (not pooled: it is large), refused past one binding. */
export function pairBuffer(rt: Runtime, n: number): GPUBuffer {
  const bytes = n * n * 4;
  if (n > maxExactPoints(rt)) {
    throw new OptionError(
      (name) =>
        `exact t-SNE of ${n} points needs a ${(bytes / 2 ** 20).toFixed(0)} MiB pair matrix in one binding; this adapter allows ${(bindingLimit(rt) / 2 ** 20).toFixed(0)} MiB, i.e. at most ${maxExactPoints(rt)} points: pass ${name('method')} fft or a smaller ${name('n')}`,
    );
  }
  return rt.device.createBuffer({ size: Math.max(256, Math.ceil(bytes / 256) * 256), usage: STORAGE, label: 'tsne pairs' });
}

/** D[i, j] = ‖x_i − x_j‖² into `out` ([n, n]). */
export function squaredDistancesInto(rt: Runtime, x: GPUBuffer, n: number, d: number, out: GPUBuffer): void {
  rt.dispatch(K.sq_dists, [params(n, { dx: d }), x, out], [Math.ceil(n / 16), Math.ceil(n / 16)]);
}

/**
 * The joint input affinities p_ij ([n, n], symmetric, zero diagonal, summing to 1) of n points
 * x ([n, d] on the GPU), each conditional row calibrated to `perplexity`. Also returns β_i.
 */
export function affinitiesInto(rt: Runtime, x: GPUBuffer, n: number, d: number, perplexity: number, p: GPUBuffer, beta: GPUBuffer): void {
  conditionalAffinitiesInto(rt, x, n, d, perplexity, p, beta);
  rt.dispatch(K.symmetrise, [params(n), p], [Math.ceil(n / 8), Math.ceil(n / 8)]);
}

/** The conditional p_{j|i} (row i sums to 1, its perplexity 2^H = `perplexity`) and β_i. */
export function conditionalAffinitiesInto(rt: Runtime, x: GPUBuffer, n: number, d: number, perplexity: number, p: GPUBuffer, beta: GPUBuffer): void {
  squaredDistancesInto(rt, x, n, d, p);
  rt.dispatch(K.perplexity_rows, [params(n, { logPerplexity: Math.log(perplexity) }), p, beta], grid1d(n));
}

/** The exact gradient's state: A, R and the row sums of w over every pair of the map. */
export class ExactForces implements Forces {
  readonly y: GPUBuffer;
  readonly force: GPUBuffer;
  readonly wrow: GPUBuffer;
  readonly z: GPUBuffer;
  readonly klRows: GPUBuffer;
  readonly kl: GPUBuffer;

  constructor(
    private rt: Runtime,
    readonly n: number,
    /** [n, n] the joint P. */
    readonly p: GPUBuffer,
    y0: Float32Array,
  ) {
    this.y = rt.acquire(n * 8);
    this.force = rt.acquire(n * 16);
    this.wrow = rt.acquire(n * 4);
    this.z = rt.acquire(4);
    this.klRows = rt.acquire(n * 4);
    this.kl = rt.acquire(4);
    rt.write(this.y, y0);
  }

  /** A, R and Z for the current map (forces indexes its points by its own workgroup size, F). */
  compute(): void {
    this.rt.dispatch(K.forces, [params(this.n), this.p, this.y, this.force, this.wrow], grid1d(this.n, FORCES_WG));
    sumInto(this.rt, this.wrow, this.n, this.z);
  }

  klDivergence(): void {
    this.rt.dispatch(K.kl_rows, [params(this.n), this.p, this.y, this.z, this.klRows], grid1d(this.n));
    sumInto(this.rt, this.klRows, this.n, this.kl);
  }

  release(): void {
    for (const b of [this.y, this.force, this.wrow, this.z, this.klRows, this.kl]) this.rt.release(b);
  }
}

/**
 * ∂C/∂y ([n, 2]) of KL(P ‖ Q) at the map y from a method's forces (tests check it against finite
 * differences), and the cost itself.
 */
export async function gradientOf(rt: Runtime, f: Forces): Promise<{ grad: Float32Array; kl: number }> {
  const n = f.n;
  f.compute();
  f.klDivergence();
  const [force, z, kl] = await Promise.all([rt.readF32(f.force, n * 4), rt.readF32(f.z, 1), rt.readF32(f.kl, 1)]);
  const grad = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) for (let c = 0; c < 2; c++) grad[2 * i + c] = 4 * (force[4 * i + c] - force[4 * i + 2 + c] / z[0]);
  return { grad, kl: kl[0] };
}

/** The exact gradient and KL at the map y, for a joint P ([n, n]) already on the GPU. */
export async function gradientAt(rt: Runtime, p: GPUBuffer, n: number, y: Float32Array): Promise<{ grad: Float32Array; kl: number }> {
  const f = new ExactForces(rt, n, p, y);
  try {
    return await gradientOf(rt, f);
  } finally {
    f.release();
  }
}

/**
 * Trustworthiness T(k) of the map y for the points x (as scikit-learn's `trustworthiness`): the
 * input-space ranks of each point's k map neighbours, on the GPU over the n × n distances
 * (recomputed into `pairs`, an n × n buffer the caller no longer needs).
 */
export async function trustworthinessOnGpu(rt: Runtime, x: GPUBuffer, n: number, d: number, y: Float32Array, k: number, pairs: GPUBuffer): Promise<number> {
  if (k >= n / 2) throw new InputError(`trustworthiness needs k < n / 2; got k = ${k} for n = ${n}`);
  squaredDistancesInto(rt, x, n, d, pairs);
  const nbr = rt.acquire(n * k * 4);
  const rank = rt.acquire(n * k * 4);
  rt.write(nbr, mapNeighbours(y, n, k));
  rt.dispatch(K.ranks, [params(n, { k }), pairs, nbr, rank], grid1d(n * k));
  const ranks = await rt.readU32(rank, n * k);
  rt.release(nbr);
  rt.release(rank);
  return trustworthinessFromRanks(ranks, n, k);
}
