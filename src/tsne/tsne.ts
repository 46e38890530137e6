// Exact t-SNE on the GPU (shaders/tsne.wgsl), with scikit-learn's schedule: perplexity-calibrated
// input affinities, early exaggeration 12 with momentum 0.5 for 250 iterations, then momentum 0.8,
// delta-bar-delta gains, learning rate 'auto' = max(n / 12 / 4, 50), PCA initialisation.
// One command buffer per `klEvery` iterations; the only readback in the loop is the KL value,
// awaited one check later so the GPU never waits for the host.
import seedrandom from 'seedrandom';
import { InputError, OptionError } from '../io/errors.js';
import { defineFamily, grid1d } from '../gpu/registry.js';
import type { Uniform, Runtime } from '../gpu/runtime.js';
import { bindingLimit } from '../tensor/chunked.js';
import { pcaInit } from './pca.js';
import { mapNeighbours, trustworthinessFromRanks } from './trustworthiness.js';

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

/** tsne.wgsl's `forces` workgroup: F = 64 points, one per invocation. */
const FORCES_WG = 64;

const K = tsneFamily.kernels;
const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST

/** t-SNE settings; the defaults (in the comments) are scikit-learn's. */
export interface TsneOptions {
  perplexity?: number; // 30
  iterations?: number; // 1000
  earlyExaggeration?: number; // 12
  exaggerationIterations?: number; // 250
  learningRate?: number | 'auto';
  init?: 'pca' | 'random';
  seed?: number;
  /** Iterations between KL evaluations (and progress events). */
  klEvery?: number; // 50
  /** Neighbours for trustworthiness T(k); 0 skips it. */
  trustworthinessK?: number; // 5
  /** Called at every KL evaluation. */
  onProgress?: (e: TsneProgress) => void;
}

/** One KL evaluation during the optimisation. */
export interface TsneProgress {
  iteration: number;
  total: number;
  kl: number;
  elapsedS: number;
}

/** A t-SNE map and how well it keeps neighbourhoods. */
export interface TsneResult {
  /** [n, 2] the map. */
  y: Float32Array;
  /** KL(P ‖ Q) of the final map (P without exaggeration). */
  kl: number;
  klHistory: { iteration: number; kl: number }[];
  trustworthiness: number | null;
  seconds: number;
  learningRate: number;
}

/** Uniform of every tsne.wgsl entry point, with the defaults the unused fields take. */
function params(n: number, o: { dx?: number; exaggeration?: number; lr?: number; momentum?: number; logPerplexity?: number; minGain?: number; k?: number } = {}): Uniform {
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

/** The map size when none is asked for: what takes a minute or two on this adapter (2,000 points on a software adapter, 10,000 on a GPU). */
export function defaultTsnePoints(rt: Runtime): number {
  return rt.gpu.isSoftware ? 2000 : 10000;
}

/** The largest n whose n × n affinity matrix fits one storage binding on this device. */
export function maxTsnePoints(rt: Runtime): number {
  return Math.floor(Math.sqrt(bindingLimit(rt) / 4));
}

function pairBuffer(rt: Runtime, n: number): GPUBuffer {
  const bytes = n * n * 4;
  if (n > maxTsnePoints(rt)) {
    throw new OptionError(
      (name) => `t-SNE of ${n} points needs a ${(bytes / 2 ** 20).toFixed(0)} MiB pair matrix in one binding; this adapter allows ${(bindingLimit(rt) / 2 ** 20).toFixed(0)} MiB, i.e. at most ${maxTsnePoints(rt)} points: pass a smaller ${name('n')}`,
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

/**
 * dst[0] = Σ src[0..count): one partial per 256 values, then the partials' partials, until one
 * is left (a fixed order: the same bits every run). Uses two pooled scratch buffers.
 */
export function sumInto(rt: Runtime, src: GPUBuffer, count: number, dst: GPUBuffer): void {
  const pass = (from: GPUBuffer, n: number, to: GPUBuffer) => rt.dispatch(K.partial_sums, [params(n), from, to], grid1d(n, 256));
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

/** GPU state of one optimisation. */
class Map2d {
  readonly y: GPUBuffer;
  readonly velocity: GPUBuffer;
  readonly gains: GPUBuffer;
  readonly force: GPUBuffer;
  readonly wrow: GPUBuffer;
  readonly z: GPUBuffer;
  readonly klRows: GPUBuffer;
  readonly kl: GPUBuffer;

  constructor(
    private rt: Runtime,
    readonly n: number,
    readonly p: GPUBuffer,
    y0: Float32Array,
  ) {
    this.y = rt.acquire(n * 8);
    this.velocity = rt.acquire(n * 8);
    this.gains = rt.acquire(n * 8);
    this.force = rt.acquire(n * 16);
    this.wrow = rt.acquire(n * 4);
    this.z = rt.acquire(4);
    this.klRows = rt.acquire(n * 4);
    this.kl = rt.acquire(4);
    rt.write(this.y, y0);
    this.resetMomentum();
  }

  /** Update 0, gains 1: scikit-learn starts each of its two optimisation stages this way. */
  resetMomentum(): void {
    this.rt.write(this.velocity, new Float32Array(this.n * 2));
    this.rt.write(this.gains, new Float32Array(this.n * 2).fill(1));
  }

  /** A, R and Z for the current map (forces indexes its points by its own workgroup size, F). */
  forces(): void {
    this.rt.dispatch(K.forces, [params(this.n), this.p, this.y, this.force, this.wrow], grid1d(this.n, FORCES_WG));
    sumInto(this.rt, this.wrow, this.n, this.z);
  }

  /** KL(P ‖ Q) into this.kl; needs forces() for this map first (Z). */
  klDivergence(): void {
    this.rt.dispatch(K.kl_rows, [params(this.n), this.p, this.y, this.z, this.klRows], grid1d(this.n));
    sumInto(this.rt, this.klRows, this.n, this.kl);
  }

  step(exaggeration: number, lr: number, momentum: number, minGain: number): void {
    const u = params(this.n, { exaggeration, lr, momentum, minGain });
    this.rt.dispatch(K.update, [u, this.force, this.z, this.y, this.velocity, this.gains], grid1d(this.n));
  }

  release(): void {
    for (const b of [this.y, this.velocity, this.gains, this.force, this.wrow, this.z, this.klRows, this.kl]) this.rt.release(b);
  }
}

/**
 * ∂C/∂y ([n, 2]) of KL(P ‖ Q) at the map y, for a joint P already on the GPU (tests check it
 * against finite differences), and the cost itself.
 */
export async function gradientAt(rt: Runtime, p: GPUBuffer, n: number, y: Float32Array): Promise<{ grad: Float32Array; kl: number }> {
  const m = new Map2d(rt, n, p, y);
  try {
    m.forces();
    m.klDivergence();
    const [force, z, kl] = await Promise.all([rt.readF32(m.force, n * 4), rt.readF32(m.z, 1), rt.readF32(m.kl, 1)]);
    const grad = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) for (let c = 0; c < 2; c++) grad[2 * i + c] = 4 * (force[4 * i + c] - force[4 * i + 2 + c] / z[0]);
    return { grad, kl: kl[0] };
  } finally {
    m.release();
  }
}

/** scikit-learn's learning_rate='auto'. */
export function autoLearningRate(n: number, earlyExaggeration = 12): number {
  return Math.max(n / earlyExaggeration / 4, 50);
}

/** N(0, std²) per coordinate from the seed (Box–Muller). */
export function randomInit(n: number, seed: number, std = 1e-4): Float32Array {
  const rng = seedrandom(`tsne-init-${seed}`);
  const y = new Float32Array(n * 2);
  for (let i = 0; i < n * 2; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const t = 2 * Math.PI * rng();
    y[i] = std * r * Math.cos(t);
    y[i + 1] = std * r * Math.sin(t);
  }
  return y;
}

/** t-SNE of the n rows of x ([n, d]): the 2-D map, its KL and trustworthiness. */
export async function tsne(rt: Runtime, x: Float32Array, n: number, d: number, opts: TsneOptions = {}): Promise<TsneResult> {
  const perplexity = opts.perplexity ?? 30;
  const iterations = opts.iterations ?? 1000;
  const exaggeration = opts.earlyExaggeration ?? 12;
  const exIters = Math.min(opts.exaggerationIterations ?? 250, iterations);
  const klEvery = opts.klEvery ?? 50;
  const tk = opts.trustworthinessK ?? 5;
  if (n < 3) throw new InputError(`t-SNE needs at least 3 points; got ${n}`);
  if (!(perplexity > 0) || perplexity >= n - 1) throw new OptionError((name) => `${name('perplexity')} must be in (0, n − 1) = (0, ${n - 1}); got ${perplexity}`);
  const lr = opts.learningRate === undefined || opts.learningRate === 'auto' ? autoLearningRate(n, exaggeration) : opts.learningRate;
  const t0 = performance.now();

  const p = pairBuffer(rt, n);
  const xBuf = rt.acquire(n * d * 4);
  const beta = rt.acquire(n * 4);
  let m: Map2d | null = null;
  try {
    rt.write(xBuf, x);
    affinitiesInto(rt, xBuf, n, d, perplexity, p, beta);
    const y0 = opts.init === 'random' ? randomInit(n, opts.seed ?? 0) : await pcaInit(rt, xBuf, x, n, d);
    m = new Map2d(rt, n, p, y0);
    const map = m;
    const klHistory: { iteration: number; kl: number }[] = [];
    let pending: { iteration: number; value: Promise<Float32Array> } | null = null;
    const settle = async () => {
      if (!pending) return;
      const kl = (await pending.value)[0];
      klHistory.push({ iteration: pending.iteration, kl });
      opts.onProgress?.({ iteration: pending.iteration, total: iterations, kl, elapsedS: (performance.now() - t0) / 1000 });
      pending = null;
    };
    for (let it = 0; it < iterations; it++) {
      if (it === exIters) map.resetMomentum();
      const early = it < exIters;
      map.forces();
      if (it % klEvery === klEvery - 1) {
        map.klDivergence(); // the cost at this map, before this iteration's step (as scikit-learn reports it)
        const value = rt.readF32(map.kl, 1); // flushes: one command buffer per klEvery iterations
        await settle();
        pending = { iteration: it + 1, value };
      }
      map.step(early ? exaggeration : 1, lr, early ? 0.5 : 0.8, 0.01);
    }
    await settle();
    map.forces();
    map.klDivergence();
    const [y, kl] = await Promise.all([rt.readF32(map.y, n * 2), rt.readF32(map.kl, 1)]);
    let trust: number | null = null;
    if (tk > 0) trust = await trustworthinessOnGpu(rt, xBuf, n, d, y, tk, p);
    return { y, kl: kl[0], klHistory, trustworthiness: trust, seconds: (performance.now() - t0) / 1000, learningRate: lr };
  } finally {
    m?.release();
    rt.release(xBuf);
    rt.release(beta);
    await rt.sync().catch(() => undefined);
    p.destroy();
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
