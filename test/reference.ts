// Float64 CPU references shared by the tests and by bench/verify.ts (which runs where vitest is
// not installed, e.g. on a GPU server).

/** Float64 reference: C = op(A) · op(B) (+ bias, ReLU), A/B in stored layouts. */
export function matmulRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  M: number,
  N: number,
  K: number,
  o: { transA?: boolean; transB?: boolean; bias?: ArrayLike<number>; relu?: boolean; maskA?: ArrayLike<number>; maskB?: ArrayLike<number> } = {},
): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const ia = o.transA ? k * M + i : i * K + k;
        const ib = o.transB ? j * K + k : k * N + j;
        let av = a[ia];
        let bv = b[ib];
        if (o.maskA && !(o.maskA[ia] > 0)) av = 0;
        if (o.maskB && !(o.maskB[ib] > 0)) bv = 0;
        s += av * bv;
      }
      if (o.bias) s += o.bias[j];
      if (o.relu) s = Math.max(0, s);
      c[i * N + j] = s;
    }
  return c;
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
