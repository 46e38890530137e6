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

