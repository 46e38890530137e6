// Sparse t-SNE affinities against float64 references: the exact k nearest neighbours (identical
// sets and order, ties to the lower index), p_{j|i} on them, and the symmetric P in CSR form, at
// odd sizes, with k below n − 1 and k ≥ n − 1, in one block and cut into ragged chunks; then the
// kNN P with k = n − 1 against today's exact P. Also prints (does not assert) timings when asked.
import { describe, expect, it } from 'vitest';
import { exactKnn, knnAffinities, neighbourCount } from '../src/tsne/knn.js';
import { defaultNeighbours, sparseAffinities, symmetricCsr } from '../src/tsne/sparse-p.js';
import { affinitiesInto } from '../src/tsne/tsne.js';
import { expectClose, randomArray, useRuntime } from './helpers.js';
import { calibrationAt, conditionalRef, knnRef, pointsWithTies, symmetricRef } from './knn-reference.js';

const rt = useRuntime();

// P's entries sum to 1; 1e-6 absolute is the bound. Distances: float32 sums of d squares
// (d up to 784), so a relative 1e-5. The calibration is checked as a property (test/op-table.ts's
// kNN entry says why): each row's perplexity met within 5e-5 nats, and p_{j|i} = exp(−β D) / Σ at
// the β found, within the exact affinities' tolerance (atol 1e-7, rtol 1e-4: float32 distances
// move p by p β δD).
const P_TOL = { atol: 1e-6, rtol: 0 };
const D_TOL = { atol: 1e-5, rtol: 1e-5 };
const PCOND_TOL = { atol: 1e-7, rtol: 1e-4 };

/** [n, d, perplexity, k (0: ⌊3 × perplexity⌋), chunk rows (0: one block), copies of row 0]. */
const CASES: [number, number, number, number, number, number][] = [
  [1, 3, 5, 0, 0, 0],
  [2, 10, 5, 0, 0, 0],
  [37, 3, 5, 15, 0, 20], // a tie at the 15th neighbour of row 0's copies
  [37, 784, 30, 0, 0, 3], // k = 90 ≥ n − 1: every other point
  [37, 10, 30, 36, 10, 0], // k = n − 1 exactly, ragged chunks of 10
  [300, 10, 30, 0, 0, 100],
  [300, 3, 10, 0, 97, 40], // chunks of 97: query blocks at q0 ≠ 0, candidates in 4 chunks
  [1001, 10, 30, 0, 0, 0],
  [1001, 784, 30, 0, 333, 5],
];

describe.each(CASES)('n = %i, d = %i, perplexity %i, k %i, chunk %i, %i copies', (n, d, perplexity, kAsked, chunk, copies) => {
  const k = kAsked || defaultNeighbours(n, perplexity);
  const x = pointsWithTies(n, d, `knn${n}x${d}`, copies);
  const kk = neighbourCount(n, k);
  const ref = knnRef(x, n, d, kk);
  const o = chunk ? { chunkRows: chunk } : {};

  it('finds the exact neighbour sets, in (distance, index) order', async () => {
    const nb = await exactKnn(rt(), x, n, d, k, o);
    expect(nb.k).toBe(kk);
    const sorted = (a: Uint32Array, i: number) => Array.from(a.subarray(i * kk, (i + 1) * kk)).sort((u, v) => u - v);
    for (let i = 0; i < n; i++) expect(sorted(nb.idx, i), `row ${i}'s neighbours`).toEqual(sorted(ref.idx, i));
    // The order: by float64 distance, except where two distances lie within float32 rounding of
    // each other, where the GPU's float32 sums decide (seen at d = 784: two distances of 498 that
    // differ by 6e-5, 2 ulp; a float32 sum of d squares is within about √d ulp, so 1e-5 relative
    // as D_TOL); exact ties (duplicates) always by index.
    const dist64 = new Map<number, number>();
    for (let e = 0; e < n * kk; e++) dist64.set(Math.floor(e / kk) * n + ref.idx[e], ref.dist[e]);
    for (let i = 0; i < n; i++)
      for (let m = 1; m < kk; m++) {
        const [a, b] = [nb.idx[i * kk + m - 1], nb.idx[i * kk + m]];
        const [da, db] = [dist64.get(i * n + a)!, dist64.get(i * n + b)!];
        expect(da <= db + D_TOL.rtol * db, `row ${i}: ${a} (${da}) before ${b} (${db})`).toBe(true);
        if (da === db) expect(a < b, `row ${i}: a tie between ${a} and ${b} goes to the lower index`).toBe(true);
      }
    expectClose(nb.dist, ref.dist, D_TOL, 'D (in order)');
  });

  it('calibrates p_{j|i} on the neighbours and symmetrises P (CSR, summing to 1) as the float64 reference', async () => {
    const cond = conditionalRef(ref.dist, n, kk, perplexity);
    const a = await knnAffinities(rt(), x, n, d, perplexity, k, o);
    const at = calibrationAt(ref.dist, n, kk, perplexity, a.beta, cond);
    expect(at.worstH, 'worst |H(P_i) − ln perplexity| in nats').toBeLessThanOrEqual(5e-5);
    expectClose(a.p, at.p, PCOND_TOL, 'p_{j|i} at the β found');
    const P = await sparseAffinities(rt(), x, n, d, perplexity, k, o);
    // Against float64 from the GPU's β (the symmetrisation alone), and from float64's own β (the
    // whole chain: these seeds take the same bisection steps in both precisions).
    for (const [what, pc] of [['the β found', at.p], ["float64's own β", cond.p]] as const) {
      const sym = symmetricRef(n, kk, ref.idx, pc);
      expect(Array.from(P.rowPtr), 'row pointers').toEqual(sym.rowPtr);
      expect(Array.from(P.col), 'columns').toEqual(sym.col);
      expectClose(P.val, sym.val, P_TOL, `p_ij from ${what}`);
    }
    const sym = symmetricRef(n, kk, ref.idx, at.p);
    const rowSums = (ptr: ArrayLike<number>, v: ArrayLike<number>) => Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let e = ptr[i]; e < ptr[i + 1]; e++) s += v[e];
      return s;
    });
    expectClose(rowSums(P.rowPtr, P.val), rowSums(sym.rowPtr, sym.val), P_TOL, 'row sums');
    if (n > 1) expect(Math.abs(P.val.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5);
    // symmetric: p_ij = p_ji, bit for bit (both are the same float64 sum rounded once)
    for (let i = 0; i < n; i++)
      for (let e = P.rowPtr[i]; e < P.rowPtr[i + 1]; e++) {
        const j = P.col[e];
        const back = Array.from(P.col.subarray(P.rowPtr[j], P.rowPtr[j + 1])).indexOf(i);
        expect(P.val[P.rowPtr[j] + back]).toBe(P.val[e]);
      }
  });
});

describe('sparse P', () => {
  it('with k = n − 1 is the exact P of affinitiesInto', async () => {
    const [n, d, perplexity] = [300, 10, 30];
    const x = randomArray(n * d, 'knn-exact', -1, 1);
    const sparse = await sparseAffinities(rt(), x, n, d, perplexity, n - 1);
    const xb = rt().acquire(n * d * 4);
    const pb = rt().acquire(n * n * 4);
    const bb = rt().acquire(n * 4);
    rt().write(xb, x);
    affinitiesInto(rt(), xb, n, d, perplexity, pb, bb);
    const dense = await rt().readF32(pb, n * n);
    [xb, pb, bb].forEach((b) => rt().release(b));
    const ours = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let e = sparse.rowPtr[i]; e < sparse.rowPtr[i + 1]; e++) ours[i * n + sparse.col[e]] = sparse.val[e];
    expect(sparse.val.length).toBe(n * (n - 1));
    // Entries are about 1 / (2 n (n − 1)) ≈ 5.6e-6: relative, as the exact P's own tests. The
    // rows' sums run in another order (sorted by distance here, by index there), so β may stop
    // one bisection step apart: 1e-4 relative covers that band.
    expectClose(ours, dense, { atol: 1e-9, rtol: 1e-4 }, 'P');
  });

  it('symmetrises a hand-made pair of rows: shared edges add, one-way edges appear twice', () => {
    // 0 → 1 (0.25), 0 → 2 (0.75); 1 → 0 (1); 2 → 1 (1): totals 4
    const P = symmetricCsr(3, 2, Uint32Array.from([1, 2, 0, 2, 1, 0]), Float32Array.from([0.25, 0.75, 0.5, 0.5, 0.6, 0.4]));
    expect(Array.from(P.rowPtr)).toEqual([0, 2, 4, 6]);
    expect(Array.from(P.col)).toEqual([1, 2, 0, 2, 0, 1]);
    expectClose(P.val, [0.75 / 6, 1.15 / 6, 0.75 / 6, 1.1 / 6, 1.15 / 6, 1.1 / 6], { atol: 1e-7, rtol: 0 }, 'p');
  });
});

// KNN_BENCH=10000,70000 npx vitest run test/knn.test.ts -t timing: the kNN + P of Gaussian blobs.
describe.runIf(!!process.env.KNN_BENCH)('timing', () => {
  it('prints the time of kNN (d = 10, k = 90) and P at the sizes asked', async () => {
    for (const n of process.env.KNN_BENCH!.split(',').map(Number)) {
      const d = 10;
      const x = blobs(n, d);
      await sparseAffinities(rt(), x.subarray(0, 200 * d), 200, d, 30); // JIT warm-up
      const t0 = performance.now();
      const a = await knnAffinities(rt(), x, n, d, 30, 90);
      const t1 = performance.now();
      const P = symmetricCsr(n, a.k, a.idx, a.p);
      const t2 = performance.now();
      console.log(`kNN + P, n = ${n}, d = ${d}, k = ${a.k}: GPU kNN + calibration ${((t1 - t0) / 1000).toFixed(2)} s, host CSR ${((t2 - t1) / 1000).toFixed(3)} s (nnz ${P.val.length}, ${(P.val.length / n).toFixed(1)} per row)`);
    }
  });
});

/** n points in 10 Gaussian blobs of unit spread, centres 5 apart on the axes. */
function blobs(n: number, d: number): Float32Array {
  const u = randomArray(2 * n * d + n, `blobs${n}`, 0, 1);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(u[2 * n * d + i] * 10);
    for (let t = 0; t < d; t++) {
      const g = Math.sqrt(-2 * Math.log(1 - u[2 * (i * d + t)])) * Math.cos(2 * Math.PI * u[2 * (i * d + t) + 1]);
      x[i * d + t] = g + (t === c % d ? 5 : 0);
    }
  }
  return x;
}
