// Shared test helpers: one runtime per test file, seeded data, float64 references, expectClose.
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, expect } from 'vitest';
import { Runtime } from '../src/gpu/runtime.js';

/** Opens one device for the file and destroys it afterwards. */
export function useRuntime(): () => Runtime {
  let rt: Runtime | null = null;
  beforeAll(async () => {
    rt = await Runtime.create();
  });
  afterAll(() => rt?.destroy());
  return () => rt!;
}

export function randomArray(n: number, seed: string, lo = -1, hi = 1): Float32Array {
  const rng = seedrandom(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng();
  return a;
}

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
 * |ours − ref| ≤ atol + rtol·|ref| elementwise; the message names the worst element.
 */
export function expectClose(ours: ArrayLike<number>, ref: ArrayLike<number>, tol: { atol: number; rtol: number }, what = ''): void {
  expect(ours.length, `${what} length`).toBe(ref.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < ref.length; i++) {
    const excess = Math.abs(ours[i] - ref[i]) - (tol.atol + tol.rtol * Math.abs(ref[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst}: ours ${ours[worst]} vs reference ${ref[worst]} (atol ${tol.atol}, rtol ${tol.rtol})`);
  }
}
