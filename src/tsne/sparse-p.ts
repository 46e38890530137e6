// The sparse joint input affinities of t-SNE (FIt-SNE / openTSNE's): p_{j|i} on each point's
// k = ⌊3 × perplexity⌋ exact nearest neighbours (knn.ts, on the GPU), symmetrised on the host into
// P = (P_{j|i} + P_{i|j}) / 2n in CSR form, normalised to sum 1.
//
// How the fft method (tsne.ts, sparse.ts) uses it: `sparseAffinities(rt, x, n, d, perplexity)`
// once, rowPtr, col and val uploaded, and the attraction A_i = Σ_j p_ij w_ij (y_i − y_j) over P's
// non-zeros only (row i's entries are rowPtr[i] … rowPtr[i + 1] − 1); the repulsion and Z come
// from the FFT interpolation; KL's Σ p_ij ln p_ij is over the non-zeros as well. With k ≥ n − 1
// this P is the exact method's.
import type { Runtime } from '../gpu/runtime.js';
import { knnAffinities, type KnnOptions } from './knn.js';

/** A symmetric n × n matrix in compressed sparse rows, columns ascending within each row. */
export interface CsrMatrix {
  n: number;
  /** [n + 1] row i's entries are rowPtr[i] … rowPtr[i + 1] − 1. */
  rowPtr: Uint32Array;
  /** [nnz] column of each entry. */
  col: Uint32Array;
  /** [nnz] p_ij. */
  val: Float32Array;
}

/** openTSNE's and FIt-SNE's neighbour count for a perplexity, at most n − 1. */
export function defaultNeighbours(n: number, perplexity: number): number {
  return Math.max(1, Math.min(n - 1, Math.floor(3 * perplexity)));
}

/**
 * P = (P_{j|i} + P_{i|j}) / 2n from the conditional rows (idx, p: [n, k], each row's j distinct,
 * none equal to i): every edge i → j also gives j → i, so a row holds its own k neighbours and
 * every point that has it as a neighbour. Sums in float64, divided by their total (2n when every
 * row sums to 1; the total removes the rows' float32 rounding), stored as float32.
 * Linear in n k: the reverse edges are bucketed by row in ascending i (so each row's reverse
 * columns come out sorted), each row's own k columns are sorted, and the two merge.
 */
export function symmetricCsr(n: number, k: number, idx: Uint32Array, p: Float32Array): CsrMatrix {
  // Reverse edges j ← i, bucketed by j.
  const revPtr = new Uint32Array(n + 1);
  for (let e = 0; e < n * k; e++) revPtr[idx[e] + 1]++;
  for (let i = 0; i < n; i++) revPtr[i + 1] += revPtr[i];
  const revCol = new Uint32Array(n * k);
  const revVal = new Float32Array(n * k);
  const fill = revPtr.slice(0, n);
  for (let i = 0; i < n; i++)
    for (let m = 0; m < k; m++) {
      const at = fill[idx[i * k + m]]++;
      revCol[at] = i;
      revVal[at] = p[i * k + m];
    }
  // Each row: its own k sorted by column, merged with its reverse edges.
  const rowPtr = new Uint32Array(n + 1);
  const col = new Uint32Array(2 * n * k);
  const sum = new Float64Array(2 * n * k);
  const order = new Float64Array(k); // column × k + m: sorting it sorts the row by column
  let nnz = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < k; m++) order[m] = idx[i * k + m] * k + m;
    order.sort();
    let a = 0;
    let b = revPtr[i];
    const bEnd = revPtr[i + 1];
    while (a < k || b < bEnd) {
      const ca = a < k ? Math.floor(order[a] / k) : Infinity;
      const cb = b < bEnd ? revCol[b] : Infinity;
      let v = 0;
      if (ca <= cb) v += p[i * k + (order[a++] % k)];
      if (cb <= ca) v += revVal[b++];
      col[nnz] = Math.min(ca, cb);
      sum[nnz++] = v;
      total += v;
    }
    rowPtr[i + 1] = nnz;
  }
  const val = new Float32Array(nnz);
  for (let e = 0; e < nnz; e++) val[e] = sum[e] / total;
  return { n, rowPtr, col: col.slice(0, nnz), val };
}

/**
 * The sparse joint affinities of the n rows of x ([n, d], on the host) at `perplexity`: exact kNN
 * and the per-row calibration on the GPU, the symmetrisation on the host. Also returns k and β.
 */
export async function sparseAffinities(
  rt: Runtime,
  x: Float32Array,
  n: number,
  d: number,
  perplexity: number,
  k = defaultNeighbours(n, perplexity),
  o: KnnOptions = {},
): Promise<CsrMatrix & { k: number; beta: Float32Array }> {
  const a = await knnAffinities(rt, x, n, d, perplexity, k, o);
  return { ...symmetricCsr(n, a.k, a.idx, a.p), k: a.k, beta: a.beta };
}
