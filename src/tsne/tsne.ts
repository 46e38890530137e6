// t-SNE on the GPU (van der Maaten & Hinton, 2008), by one of two methods behind one function:
//   exact  every pair every iteration over a dense P (exact.ts): O(n²), a few thousand points;
//   fft    P on k = 3 × perplexity exact nearest neighbours, the repulsion interpolated on a node
//          grid and convolved by FFT (sparse.ts; FIt-SNE's method): O(n) per iteration, 100,000s.
// 'auto' takes exact up to EXACT_MAX_POINTS and fft above. Both run scikit-learn's schedule: early
// exaggeration 12 with momentum 0.5 for 250 iterations, then momentum 0.8, delta-bar-delta gains,
// PCA initialisation, the learning rate 'auto' (autoLearningRate). One command buffer
// per few iterations: the only readbacks in the loop (the KL; the fft method's map extent, which
// sizes its grid) are awaited one check later, so the GPU never waits for the host.
import seedrandom from 'seedrandom';
import { InputError, OptionError } from '../io/errors.js';
import type { Runtime } from '../gpu/runtime.js';
import { stepInto, type Forces } from './family.js';
import { ExactForces, affinitiesInto, maxExactPoints, pairBuffer, trustworthinessOnGpu } from './exact.js';
import { pcaInit } from './pca.js';
import { SparseForces } from './sparse.js';
import { sparseAffinities } from './sparse-p.js';

export { sumInto, tsneFamily } from './family.js';
export { affinitiesInto, conditionalAffinitiesInto, gradientAt, gradientOf, squaredDistancesInto, trustworthinessOnGpu, maxExactPoints } from './exact.js';

/** How the gradient is computed: every pair, or sparse P + FFT-interpolated repulsion; 'auto' by n. */
export type TsneMethod = 'auto' | 'exact' | 'fft';

/**
 * 'auto' maps up to this many points exactly and more with the fft method: where the two take the
 * same time on lavapipe here (bench `tsne` suite, docs/performance.md); below it the exact method
 * is as fast and has no interpolation error.
 */
export const EXACT_MAX_POINTS = 3000;

/** The most points a map takes by default (the report's maps, `webgpu-dec tsne`): more take a --n. */
export const MAX_MAP_POINTS = 100_000;

/** Trustworthiness of a larger map is measured on a seeded random sample of this many points. */
export const TRUST_SAMPLE = 5000;

/** Iterations between the fft method's reads of the map's extent (its grid follows the map). */
const GRID_EVERY = 10;

/** t-SNE settings; the defaults (in the comments) are scikit-learn's. */
export interface TsneOptions {
  /** 'auto' (default): exact up to EXACT_MAX_POINTS, fft above. */
  method?: TsneMethod;
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
  /** fft method: the largest FFT side of its node grid (a power of two; default 2048): a smaller one is faster and coarser once the map is wide. */
  maxGrid?: number;
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
  /** KL(P ‖ Q) of the final map (P without exaggeration); the fft method's with the interpolated Z. */
  kl: number;
  klHistory: { iteration: number; kl: number }[];
  /** T(k) of the map, on a seeded sample of TRUST_SAMPLE points when n is larger (null when not asked). */
  trustworthiness: number | null;
  /** Points T(k) was measured on (n, or the sample's size). */
  trustworthinessPoints: number;
  seconds: number;
  learningRate: number;
  method: 'exact' | 'fft';
}

/** The method 'auto' resolves to for n points. */
export function methodFor(method: TsneMethod | undefined, n: number): 'exact' | 'fft' {
  if (method === 'exact' || method === 'fft') return method;
  return n <= EXACT_MAX_POINTS ? 'exact' : 'fft';
}

/** The most points a method maps on this device: the exact one is held by one n × n binding. */
export function maxTsnePoints(rt: Runtime, method: TsneMethod = 'auto'): number {
  return method === 'exact' ? maxExactPoints(rt) : Infinity;
}

/**
 * The learning rate 'auto', both methods: scikit-learn's max(n / α / 4, 50), α the early
 * exaggeration. It is openTSNE's and FIt-SNE's max(n / α, 200) (Belkina et al., 2019) in our
 * gradient's convention: theirs leaves out the 4 of ∂C/∂y = 4 Σ (p − q) w (y_i − y_j), ours (and
 * scikit-learn's) keeps it, so the same step takes a learning rate 4 × smaller here. Measured with
 * 4 × this rate on the digits (docs/performance.md): the same T(5), wider maps, so larger grids.
 */
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

/** max − min over both coordinates of a map. */
function extentOf(y: Float32Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of y) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > lo ? hi - lo : 0;
}

/** `m` of n indices, ascending, drawn without replacement from the seed. */
export function sampleIndices(n: number, m: number, seed: number): Uint32Array {
  const rng = seedrandom(`tsne-trust-${seed}`);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, m).sort();
}

/** t-SNE of the n rows of x ([n, d]): the 2-D map, its KL and trustworthiness. */
export async function tsne(rt: Runtime, x: Float32Array, n: number, d: number, opts: TsneOptions = {}): Promise<TsneResult> {
  const perplexity = opts.perplexity ?? 30;
  const iterations = opts.iterations ?? 1000;
  const exaggeration = opts.earlyExaggeration ?? 12;
  const exIters = Math.min(opts.exaggerationIterations ?? 250, iterations);
  const klEvery = opts.klEvery ?? 50;
  const tk = opts.trustworthinessK ?? 5;
  const method = methodFor(opts.method, n);
  if (n < 3) throw new InputError(`t-SNE needs at least 3 points; got ${n}`);
  if (!(perplexity > 0) || perplexity >= n - 1) throw new OptionError((name) => `${name('perplexity')} must be in (0, n − 1) = (0, ${n - 1}); got ${perplexity}`);
  const lr = opts.learningRate === undefined || opts.learningRate === 'auto' ? autoLearningRate(n, exaggeration) : opts.learningRate;
  const t0 = performance.now();

  const pairs = method === 'exact' ? pairBuffer(rt, n) : null;
  const xBuf = rt.acquire(n * d * 4);
  const velocity = rt.acquire(n * 8);
  const gains = rt.acquire(n * 8);
  let f: Forces | null = null;
  try {
    rt.write(xBuf, x);
    let sparse: SparseForces | null = null;
    let y0: Float32Array;
    if (pairs) {
      const beta = rt.acquire(n * 4);
      affinitiesInto(rt, xBuf, n, d, perplexity, pairs, beta);
      rt.release(beta);
      y0 = opts.init === 'random' ? randomInit(n, opts.seed ?? 0) : await pcaInit(rt, xBuf, x, n, d);
      f = new ExactForces(rt, n, pairs, y0);
    } else {
      const p = await sparseAffinities(rt, x, n, d, perplexity);
      y0 = opts.init === 'random' ? randomInit(n, opts.seed ?? 0) : await pcaInit(rt, xBuf, x, n, d);
      f = sparse = new SparseForces(rt, p, y0, extentOf(y0), opts.maxGrid);
    }
    const forces = f;
    // Update 0, gains 1: scikit-learn starts each of its two optimisation stages this way.
    const resetMomentum = () => {
      rt.write(velocity, new Float32Array(n * 2));
      rt.write(gains, new Float32Array(n * 2).fill(1));
    };
    resetMomentum();

    const klHistory: { iteration: number; kl: number }[] = [];
    // Readbacks issued at one iteration are awaited at the next iteration that reads (by then they
    // are at least one flush old), in the order they were issued.
    let pending: (() => Promise<void>)[] = [];
    const settle = async (next: (() => Promise<void>)[] = []) => {
      const done = pending;
      pending = next;
      for (const p of done) await p();
    };
    for (let it = 0; it < iterations; it++) {
      if (it === exIters) resetMomentum();
      const early = it < exIters;
      forces.compute();
      const reads: (() => Promise<void>)[] = [];
      if (it % klEvery === klEvery - 1) {
        forces.klDivergence(); // the cost at this map, before this iteration's step (as scikit-learn reports it)
        const value = rt.readF32(forces.kl, 1); // flushes: one command buffer per check
        const iteration = it + 1;
        reads.push(async () => {
          const kl = (await value)[0];
          klHistory.push({ iteration, kl });
          opts.onProgress?.({ iteration, total: iterations, kl, elapsedS: (performance.now() - t0) / 1000 });
        });
      }
      if (sparse && it % GRID_EVERY === GRID_EVERY - 1) {
        const s = sparse;
        const box = rt.readF32(s.box, 4); // (x0, width, centre, extent) of the map at this iteration
        // No fixed width around the end of early exaggeration: the map then expands fast.
        const mayFix = it < exIters - 2 * GRID_EVERY || it >= exIters + 2 * GRID_EVERY;
        reads.push(async () => s.follow((await box)[3], mayFix));
      }
      if (reads.length) await settle(reads);
      stepInto(rt, forces, velocity, gains, early ? exaggeration : 1, lr, early ? 0.5 : 0.8, 0.01);
    }
    await settle();
    forces.compute();
    forces.klDivergence();
    const [y, kl] = await Promise.all([rt.readF32(forces.y, n * 2), rt.readF32(forces.kl, 1)]);
    let trust: number | null = null;
    let trustPoints = 0;
    if (tk > 0) ({ trust, points: trustPoints } = await trustworthinessOf(rt, x, xBuf, n, d, y, tk, pairs, opts.seed ?? 0));
    return { y, kl: kl[0], klHistory, trustworthiness: trust, trustworthinessPoints: trustPoints, seconds: (performance.now() - t0) / 1000, learningRate: lr, method };
  } finally {
    f?.release();
    rt.release(xBuf);
    rt.release(velocity);
    rt.release(gains);
    await rt.sync().catch(() => undefined);
    pairs?.destroy();
  }
}

/**
 * T(k) of the map: over all n points when n ≤ TRUST_SAMPLE (reusing the exact method's pair
 * buffer when there is one), else over a seeded random sample of TRUST_SAMPLE points (their input
 * rows and map points only, as scikit-learn's `trustworthiness` of the sample).
 */
async function trustworthinessOf(
  rt: Runtime,
  x: Float32Array,
  xBuf: GPUBuffer,
  n: number,
  d: number,
  y: Float32Array,
  k: number,
  pairs: GPUBuffer | null,
  seed: number,
): Promise<{ trust: number; points: number }> {
  const m = Math.min(n, TRUST_SAMPLE, maxExactPoints(rt));
  if (m === n && pairs) return { trust: await trustworthinessOnGpu(rt, xBuf, n, d, y, k, pairs), points: n };
  const pick = m === n ? null : sampleIndices(n, m, seed);
  const xs = pick ? new Float32Array(m * d) : x;
  const ys = pick ? new Float32Array(m * 2) : y;
  if (pick)
    pick.forEach((i, s) => {
      xs.set(x.subarray(i * d, (i + 1) * d), s * d);
      ys.set(y.subarray(2 * i, 2 * i + 2), 2 * s);
    });
  const buf = pick ? rt.acquire(m * d * 4) : xBuf;
  // The exact method's n × n buffer (n ≥ m) holds the sample's m × m distances: no second one.
  const sub = pairs ?? pairBuffer(rt, m);
  try {
    if (pick) rt.write(buf, xs);
    return { trust: await trustworthinessOnGpu(rt, buf, m, d, ys, k, sub), points: m };
  } finally {
    if (pick) rt.release(buf);
    if (!pairs) {
      await rt.sync().catch(() => undefined);
      sub.destroy();
    }
  }
}
