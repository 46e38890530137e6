// Float64 references of the sparse t-SNE affinities (src/tsne/knn.ts, sparse-p.ts): exact kNN by a
// full sort of every row, the perplexity bisection with the GPU's rules, the symmetrisation by a
// map per row. Written the plain way, so that they share nothing with the code they check.
import { randomArray } from './helpers.js';

/** Row i's k nearest neighbours by (D_ij in float64, j), and their distances. */
export function knnRef(x: ArrayLike<number>, n: number, d: number, k: number): { idx: Uint32Array; dist: Float64Array } {
  const idx = new Uint32Array(n * k);
  const dist = new Float64Array(n * k);
  const dj = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (x[i * d + t] - x[j * d + t]) ** 2;
      dj[j] = s;
    }
    const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
    others.sort((a, b) => dj[a] - dj[b] || a - b);
    for (let m = 0; m < k; m++) {
      idx[i * k + m] = others[m];
      dist[i * k + m] = dj[others[m]];
    }
  }
  return { idx, dist };
}

/** p_{j|i} on each row's k distances (ascending), β by tsne.wgsl's bisection, in float64. */
export function conditionalRef(dist: ArrayLike<number>, n: number, k: number, perplexity: number): { p: Float64Array; beta: Float64Array } {
  const p = new Float64Array(n * k);
  const beta = new Float64Array(n);
  const target = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: k }, (_, m) => dist[i * k + m]);
    const dmin = Math.min(...row);
    let [b, lo, hi] = [1, 0, Infinity];
    for (let step = 0; step < 100; step++) {
      let [s, sd] = [0, 0];
      for (const v of row) {
        const e = Math.exp(-b * (v - dmin));
        s += e;
        sd += (v - dmin) * e;
      }
      const diff = Math.log(s) + (b * sd) / s - target;
      if (Math.abs(diff) <= 1e-5) break;
      if (diff > 0) {
        lo = b;
        b = hi < Infinity ? (b + hi) / 2 : b * 2;
      } else {
        hi = b;
        b = (b + lo) / 2;
      }
    }
    const e = row.map((v) => Math.exp(-b * (v - dmin)));
    const s = e.reduce((a, v) => a + v, 0);
    for (let m = 0; m < k; m++) p[i * k + m] = e[m] / s;
    beta[i] = b;
  }
  return { p, beta };
}

/** Row i's entropy H(P_i) in nats and p_{j|i} at precision b, over its k distances, in float64. */
export function rowAtBeta(dist: ArrayLike<number>, i: number, k: number, b: number): { h: number; p: Float64Array } {
  const row = Array.from({ length: k }, (_, m) => dist[i * k + m]);
  const dmin = Math.min(...row);
  const e = row.map((v) => Math.exp(-b * (v - dmin)));
  const s = e.reduce((a, v) => a + v, 0);
  const p = Float64Array.from(e, (v) => v / s);
  return { h: -p.reduce((a, v) => a + (v > 0 ? v * Math.log(v) : 0), 0), p };
}

/**
 * The calibration as a property, free of the bisection's path: each row's entropy at the β found
 * is within `band` nats of ln(perplexity) wherever the float64 bisection reached its own 1e-5
 * band; and p_{j|i} = exp(−β D_ij) / Σ at that β, in float64.
 */
export function calibrationAt(dist: ArrayLike<number>, n: number, k: number, perplexity: number, beta: ArrayLike<number>, ref: { beta: ArrayLike<number> }): { p: Float64Array; worstH: number } {
  const p = new Float64Array(n * k);
  let worstH = 0;
  for (let i = 0; i < n; i++) {
    const ours = rowAtBeta(dist, i, k, beta[i]);
    p.set(ours.p, i * k);
    if (Math.abs(rowAtBeta(dist, i, k, ref.beta[i]).h - Math.log(perplexity)) <= 1e-5) worstH = Math.max(worstH, Math.abs(ours.h - Math.log(perplexity)));
  }
  return { p, worstH };
}

/** (p_{j|i} + p_{i|j}) / Σ as CSR (columns ascending), through a map per row. */
export function symmetricRef(n: number, k: number, idx: ArrayLike<number>, p: ArrayLike<number>): { rowPtr: number[]; col: number[]; val: Float64Array } {
  const rows = Array.from({ length: n }, () => new Map<number, number>());
  let total = 0;
  for (let i = 0; i < n; i++)
    for (let m = 0; m < k; m++) {
      const [j, v] = [idx[i * k + m], p[i * k + m]];
      rows[i].set(j, (rows[i].get(j) ?? 0) + v);
      rows[j].set(i, (rows[j].get(i) ?? 0) + v);
      total += 2 * v;
    }
  const rowPtr = [0];
  const col: number[] = [];
  const val: number[] = [];
  for (const r of rows) {
    for (const j of [...r.keys()].sort((a, b) => a - b)) {
      col.push(j);
      val.push(r.get(j)! / total);
    }
    rowPtr.push(col.length);
  }
  return { rowPtr, col, val: Float64Array.from(val) };
}

/**
 * n points in d dimensions with ties: every fifth row (from 5 on) repeats row i − 3, and a run of
 * `copies` rows from row 1 repeat row 0 (more copies than k puts a tie at the k-th neighbour).
 */
export function pointsWithTies(n: number, d: number, seed: string, copies = 0): Float32Array {
  const x = randomArray(n * d, seed, -1, 1);
  const copy = (to: number, from: number) => x.copyWithin(to * d, from * d, from * d + d);
  for (let i = 5; i < n; i += 5) copy(i, i - 3);
  for (let i = 1; i <= copies && i < n; i++) copy(i, 0);
  return x;
}
