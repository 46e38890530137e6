// DEC's equations as the paper states them (q rows sum to 1, p sharpens q, KL(P‖Q) = 0 at P = Q);
// the kernels against float64 at odd and edge shapes, and the gradients: the op table (op-table.ts).
import { describe, expect, it } from 'vitest';
import { klLoss, softAssignInto, targetInto } from '../src/dec/dec-ops.js';
import { fromArray } from '../src/tensor/index.js';
import { expectClose, randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();

/** Float64 references of eqs. (1) and (3). */
function qRef(z: Float32Array, mu: Float32Array, n: number, d: number, k: number, alpha: number): Float64Array {
  const q = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < k; j++) {
      let d2 = 0;
      for (let t = 0; t < d; t++) d2 += (z[i * d + t] - mu[j * d + t]) ** 2;
      q[i * k + j] = (1 + d2 / alpha) ** (-(alpha + 1) / 2);
      total += q[i * k + j];
    }
    for (let j = 0; j < k; j++) q[i * k + j] /= total;
  }
  return q;
}
function pRef(q: ArrayLike<number>, n: number, k: number): Float64Array {
  const f = new Float64Array(k);
  for (let i = 0; i < n * k; i++) f[i % k] += q[i];
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < k; j++) total += q[i * k + j] ** 2 / f[j];
    for (let j = 0; j < k; j++) p[i * k + j] = q[i * k + j] ** 2 / f[j] / total;
  }
  return p;
}
const entropy = (rowsOf: ArrayLike<number>, n: number, k: number) => {
  let h = 0;
  for (let i = 0; i < n * k; i++) if (rowsOf[i] > 0) h -= rowsOf[i] * Math.log(rowsOf[i]);
  return h / n;
};

async function assign(n: number, d: number, k: number, alpha: number) {
  const z = randomArray(n * d, `z${n}`, -3, 3);
  const mu = randomArray(k * d, `mu${k}`, -3, 3);
  const [bz, bmu, bq, bw, bf, bp, bh] = [n * d, k * d, n * k, n * k, k, n * k, n].map((c) => rt().acquire(c * 4));
  rt().write(bz, z);
  rt().write(bmu, mu);
  softAssignInto(rt(), bz, bmu, n, d, k, alpha, bq, bw);
  targetInto(rt(), bq, n, k, bf, bp, bh);
  const q = await rt().readF32(bq, n * k);
  const p = await rt().readF32(bp, n * k);
  const hard = await rt().readU32(bh, n);
  [bz, bmu, bq, bw, bf, bp, bh].forEach((b) => rt().release(b));
  return { z, mu, q, p, hard };
}

describe('DEC kernels', () => {
  it.each([
    [1, 1, 1, 1],
    [257, 10, 10, 1],
    [255, 7, 13, 2],
  ])('q rows sum to 1 and match the reference (n=%i, d=%i, k=%i, α=%i)', async (n, d, k, alpha) => {
    const { z, mu, q } = await assign(n, d, k, alpha);
    expectClose(q, qRef(z, mu, n, d, k, alpha), { atol: 1e-6, rtol: 1e-4 });
    for (let i = 0; i < n; i++) {
      const s = q.subarray(i * k, (i + 1) * k).reduce((a, b) => a + b, 0);
      expect(Math.abs(s - 1)).toBeLessThan(1e-5);
    }
  });

  it('p sharpens q, matches the reference, and the hard assignment is argmax q', async () => {
    const n = 257, k = 10;
    const { q, p, hard } = await assign(n, 10, k, 1);
    expectClose(p, pRef(q, n, k), { atol: 1e-6, rtol: 1e-4 });
    expect(entropy(p, n, k)).toBeLessThan(entropy(q, n, k));
    for (let i = 0; i < n; i++) {
      const row = Array.from(q.subarray(i * k, (i + 1) * k));
      expect(hard[i]).toBe(row.indexOf(Math.max(...row)));
    }
  });

  it('the KL loss matches the reference and is 0 when p = q', async () => {
    const n = 9, d = 4, k = 3;
    const z = randomArray(n * d, 'lz', -2, 2);
    const mu = randomArray(k * d, 'lmu', -2, 2);
    const q = qRef(z, mu, n, d, k, 1);
    const p = pRef(q, n, k);
    let ref = 0;
    for (let i = 0; i < n * k; i++) ref += p[i] * Math.log(p[i] / q[i]);
    const zt = fromArray(rt(), z, n, d);
    const mut = fromArray(rt(), mu, k, d);
    const loss = await klLoss(zt, mut, fromArray(rt(), Float32Array.from(p), n, k), 1).toArray();
    expectClose(loss, [ref / n], { atol: 1e-6, rtol: 1e-4 });
    const self = await klLoss(zt, mut, fromArray(rt(), Float32Array.from(q), n, k), 1).toArray();
    // KL(Q‖Q) = Σ q·log(q/q'): with q/q' ≈ 1, WGSL allows log an absolute error of 2⁻²¹ (4.8e-7)
    // in [0.5, 2], plus 2.5 ulp for the division and q's own rounding: 1.3e-6 at worst, so 2e-6.
    expect(Math.abs(self[0])).toBeLessThan(2e-6);
  });
});
