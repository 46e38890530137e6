// Float64 CPU references used by the tests. The product's is src/tensor/ops/matmul-check.ts's,
// which the kernel choice and bench/verify.ts use too.
import { productReference, type ReferenceEpilogue } from '../src/tensor/ops/matmul-check.js';

/** Float64 reference: C = op(A) · op(B) (+ bias, ReLU), A/B in stored layouts. */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, K: number, o: { transA?: boolean; transB?: boolean } & ReferenceEpilogue = {}): Float64Array {
  return productReference(a, b, { M, N, K, transA: o.transA, transB: o.transB }, o).c;
}

/**
 * The assignment pass of a one-layer linear encoder in float64: z = xW + b, q (eq. 1), f, p (eq. 3)
 * from these rows' own q, the hard assignments, the confidences and the mean KL(P‖Q) per row.
 */
export function linearAssignRef(o: { x: ArrayLike<number>; n: number; d: number; w: ArrayLike<number>; b: ArrayLike<number>; mu: ArrayLike<number>; k: number; alpha: number }) {
  const { x, n, d, w, b, mu, k, alpha } = o;
  const dz = b.length;
  const q = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < k; j++) {
      let d2 = 0;
      for (let t = 0; t < dz; t++) {
        let z = b[t];
        for (let s = 0; s < d; s++) z += x[i * d + s] * w[s * dz + t];
        d2 += (z - mu[j * dz + t]) ** 2;
      }
      q[i * k + j] = (1 + d2 / alpha) ** -((alpha + 1) / 2);
      total += q[i * k + j];
    }
    for (let j = 0; j < k; j++) q[i * k + j] /= total;
  }
  const f = new Float64Array(k);
  for (let i = 0; i < n * k; i++) f[i % k] += q[i];
  const p = new Float64Array(n * k);
  let kl = 0;
  const hard = new Uint32Array(n);
  const conf = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < k; j++) total += q[i * k + j] ** 2 / f[j];
    for (let j = 0; j < k; j++) {
      p[i * k + j] = q[i * k + j] ** 2 / f[j] / total;
      kl += p[i * k + j] * Math.log(p[i * k + j] / q[i * k + j]);
      if (q[i * k + j] > q[i * k + hard[i]]) hard[i] = j;
    }
    conf[i] = q[i * k + hard[i]];
  }
  return { q, f, p, kl: kl / n, hard, conf };
}
