// Exact k nearest neighbours on the GPU (shaders/tsne_knn.wgsl) and the perplexity-calibrated
// conditional affinities p_{j|i} on them: the input side of t-SNE with a sparse P (sparse-p.ts).
// Brute force over every pair, but never an n × n matrix: the points are cut into chunks of S rows
// (each fits one storage binding, and so do its S × k heaps); each chunk in turn is the query block,
// and every chunk, in ascending order, its candidates, a few thousand candidates per dispatch.
import { InputError, OptionError } from '../io/errors.js';
import { defineFamily, grid1d } from '../gpu/registry.js';
import type { Runtime } from '../gpu/runtime.js';
import { bindingLimit } from '../tensor/chunked.js';

/** shaders/tsne_knn.wgsl. */
export const tsneKnnFamily = defineFamily(
  'tsne_knn',
  {
    knn_tile: ['uniform', 'rw', 'rw', 'read', 'read'],
    knn_sort: ['uniform', 'rw', 'rw'],
    knn_perplexity: ['uniform', 'rw', 'rw'],
  },
  { rows: 'u32', q0: 'u32', cols: 'u32', c0: 'u32', begin: 'u32', end: 'u32', d: 'u32', k: 'u32', log_perplexity: 'f32', pad0: 'u32', pad1: 'u32', pad2: 'u32' },
);

const K = tsneKnnFamily.kernels;
/** knn_tile's workgroup: 128 query rows (two per invocation); its candidate tile: 32. */
const TILE_ROWS = 128;
const TILE_COLS = 32;
/**
 * Pairs per knn_tile dispatch, at most: about a second on a 2-core software adapter, milliseconds
 * on a GPU, so that no single dispatch runs into a driver's watchdog.
 */
const PAIRS_PER_DISPATCH = 2 ** 27;

/** The k nearest neighbours of each of n points, ascending by (squared distance, index). */
export interface Neighbours {
  n: number;
  /** Neighbours per row: the k asked for, at most n − 1. */
  k: number;
  /** [n, k] neighbour indices (never i itself; a duplicate of i is a neighbour at distance 0). */
  idx: Uint32Array;
  /** [n, k] squared distances ‖x_i − x_j‖², ascending along each row. */
  dist: Float32Array;
}

/** Conditional affinities on the k nearest neighbours. */
export interface KnnAffinities {
  n: number;
  k: number;
  /** [n, k] neighbour indices, ascending by (distance, index). */
  idx: Uint32Array;
  /** [n, k] p_{j|i} for j = idx[i, m]: each row sums to 1, its perplexity the one asked for. */
  p: Float32Array;
  /** [n] the precision β_i = 1 / (2σ_i²) of each row. */
  beta: Float32Array;
}

/** The neighbour count used for `k` asked of n points: k ≥ n − 1 takes every other point. */
export function neighbourCount(n: number, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new OptionError((name) => `${name('k')} (neighbours) must be a whole number ≥ 1; got ${k}`);
  return Math.max(0, Math.min(k, n - 1));
}

/** How the points are cut; the default fits the device. */
export interface KnnOptions {
  /** Rows per chunk (query block and candidate chunk); default: as many as fit one binding. */
  chunkRows?: number;
}

/** Rows per chunk: its points and its two [S, k] heaps each fit one binding. */
function chunkRows(rt: Runtime, n: number, d: number, k: number, o: KnnOptions): number {
  const fits = Math.floor(bindingLimit(rt) / (4 * Math.max(d, k)));
  return Math.max(1, Math.min(n, fits, o.chunkRows ?? fits));
}

/**
 * Runs the pass over all pairs and, per query block, `finish` with the block's sorted [rows, k]
 * heaps on the GPU (then read by the caller's `collect`).
 */
async function blocks(
  rt: Runtime,
  x: Float32Array,
  n: number,
  d: number,
  k: number,
  finish: (rows: number, hd: GPUBuffer, hi: GPUBuffer) => void,
  collect: (q0: number, rows: number, hd: GPUBuffer, hi: GPUBuffer) => Promise<void>,
  o: KnnOptions,
): Promise<void> {
  if (x.length < n * d) throw new InputError(`kNN: x holds ${x.length} values, fewer than n × d = ${n} × ${d}`);
  const S = chunkRows(rt, n, d, k, o);
  const chunks: { start: number; rows: number; buf: GPUBuffer }[] = [];
  for (let start = 0; start < n; start += S) {
    const rows = Math.min(S, n - start);
    const buf = rt.acquire(rows * d * 4);
    rt.write(buf, x.subarray(start * d, (start + rows) * d));
    chunks.push({ start, rows, buf });
  }
  const hd = rt.acquire(S * k * 4);
  const hi = rt.acquire(S * k * 4);
  try {
    for (const q of chunks) {
      const span = Math.max(TILE_COLS, Math.floor(PAIRS_PER_DISPATCH / q.rows / TILE_COLS) * TILE_COLS);
      for (const c of chunks) {
        for (let begin = 0; begin < c.rows; begin += span) {
          const u = tsneKnnFamily.params({ rows: q.rows, q0: q.start, cols: c.rows, c0: c.start, begin, end: Math.min(c.rows, begin + span), d, k });
          rt.dispatch(K.knn_tile, [u, hd, hi, q.buf, c.buf], grid1d(q.rows, TILE_ROWS));
        }
        rt.flush();
      }
      rt.dispatch(K.knn_sort, [tsneKnnFamily.params({ rows: q.rows, k }), hd, hi], grid1d(q.rows));
      finish(q.rows, hd, hi);
      await collect(q.start, q.rows, hd, hi);
    }
  } finally {
    for (const c of chunks) rt.release(c.buf);
    rt.release(hd);
    rt.release(hi);
  }
}

/**
 * The exact k nearest neighbours (squared Euclidean distance, ties to the lower index) of each of
 * the n rows of x ([n, d], on the host), on the GPU. k ≥ n − 1 gives every other point.
 */
export async function exactKnn(rt: Runtime, x: Float32Array, n: number, d: number, k: number, o: KnnOptions = {}): Promise<Neighbours> {
  const kk = neighbourCount(n, k);
  const idx = new Uint32Array(n * kk);
  const dist = new Float32Array(n * kk);
  if (kk > 0)
    await blocks(rt, x, n, d, kk, () => undefined, async (q0, rows, hd, hi) => {
      const [dv, iv] = await Promise.all([rt.readF32(hd, rows * kk), rt.readU32(hi, rows * kk)]);
      dist.set(dv, q0 * kk);
      idx.set(iv, q0 * kk);
    }, o);
  return { n, k: kk, idx, dist };
}

/**
 * The k nearest neighbours of each row of x ([n, d], on the host) and p_{j|i} on them, each row
 * calibrated to `perplexity` (bisection on β_i as the exact t-SNE's `conditionalAffinitiesInto`).
 * openTSNE and FIt-SNE take k = ⌊3 × perplexity⌋; k ≥ n − 1 gives the exact conditional rows.
 */
export async function knnAffinities(rt: Runtime, x: Float32Array, n: number, d: number, perplexity: number, k: number, o: KnnOptions = {}): Promise<KnnAffinities> {
  if (!(perplexity > 0)) throw new OptionError((name) => `${name('perplexity')} must be > 0; got ${perplexity}`);
  const kk = neighbourCount(n, k);
  const idx = new Uint32Array(n * kk);
  const p = new Float32Array(n * kk);
  const beta = new Float32Array(n);
  if (kk === 0) return { n, k: kk, idx, p, beta };
  const b = rt.acquire(chunkRows(rt, n, d, kk, o) * 4);
  try {
    const logPerplexity = Math.log(perplexity);
    await blocks(
      rt,
      x,
      n,
      d,
      kk,
      (rows, hd) => rt.dispatch(K.knn_perplexity, [tsneKnnFamily.params({ rows, k: kk, log_perplexity: logPerplexity }), hd, b], grid1d(rows)),
      async (q0, rows, hd, hi) => {
        const [pv, iv, bv] = await Promise.all([rt.readF32(hd, rows * kk), rt.readU32(hi, rows * kk), rt.readF32(b, rows)]);
        p.set(pv, q0 * kk);
        idx.set(iv, q0 * kk);
        beta.set(bv, q0);
      },
      o,
    );
  } finally {
    rt.release(b);
  }
  return { n, k: kk, idx, p, beta };
}
