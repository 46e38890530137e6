// The first two principal components of the input, for t-SNE's initial map (as scikit-learn's
// init='pca'): X̄ᵀX̄ on the GPU (one matrix product), its top two eigenvectors by subspace
// iteration in float64 on the host (a D × D problem), the projection on the host.
import type { Runtime } from '../gpu/runtime.js';
import { matmulInto } from '../tensor/ops/matmul.js';

/** Top two eigenvectors (unit, as [2][d]) of a symmetric d × d matrix, sign-fixed (largest |entry| > 0). */
export function topTwoEigenvectors(c: Float64Array, d: number): [Float64Array, Float64Array] {
  // Start from fixed, distinct vectors (deterministic; not orthogonal to any eigenvector in practice).
  let v: Float64Array[] = [Float64Array.from({ length: d }, (_, i) => 1 + i / d), Float64Array.from({ length: d }, (_, i) => (i % 2 ? 1 : -1) * (1 + (i % 7)))];
  const mul = (x: Float64Array) => {
    const out = new Float64Array(d);
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += c[r * d + t] * x[t];
      out[r] = s;
    }
    return out;
  };
  const orthonormalise = (a: Float64Array, b: Float64Array): Float64Array[] => {
    const na = Math.sqrt(a.reduce((s, t) => s + t * t, 0)) || 1;
    for (let i = 0; i < d; i++) a[i] /= na;
    let dot = 0;
    for (let i = 0; i < d; i++) dot += a[i] * b[i];
    for (let i = 0; i < d; i++) b[i] -= dot * a[i];
    const nb = Math.sqrt(b.reduce((s, t) => s + t * t, 0)) || 1;
    for (let i = 0; i < d; i++) b[i] /= nb;
    return [a, b];
  };
  v = orthonormalise(v[0], v[1]);
  for (let it = 0; it < 500; it++) {
    const next = orthonormalise(mul(v[0]), mul(v[1]));
    let change = 0;
    for (let k = 0; k < 2; k++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += next[k][i] * v[k][i];
      change = Math.max(change, 1 - Math.abs(dot));
    }
    v = next;
    if (change < 1e-12) break;
  }
  for (const e of v) {
    let big = 0;
    for (let i = 0; i < d; i++) if (Math.abs(e[i]) > Math.abs(e[big])) big = i;
    if (e[big] < 0) for (let i = 0; i < d; i++) e[i] = -e[i];
  }
  // Subspace iteration can leave the pair in either order: the larger Rayleigh quotient first.
  const rq = (e: Float64Array) => mul(e).reduce((s, x, i) => s + x * e[i], 0);
  return rq(v[0]) >= rq(v[1]) ? [v[0], v[1]] : [v[1], v[0]];
}

/**
 * The n × 2 map: the centred points projected on the first two principal components, scaled so
 * that the first coordinate has standard deviation `std` (scikit-learn: 1e-4).
 */
export async function pcaInit(rt: Runtime, xBuf: GPUBuffer, x: Float32Array, n: number, d: number, std = 1e-4): Promise<Float32Array> {
  const gram = rt.acquire(d * d * 4);
  matmulInto(rt, xBuf, xBuf, gram, d, d, n, { transA: true }); // XᵀX: [d, d]
  const g = await rt.readF32(gram, d * d);
  rt.release(gram);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t] += x[i * d + t] / n;
  const c = new Float64Array(d * d); // covariance (up to the factor 1/n, which leaves the eigenvectors)
  for (let r = 0; r < d; r++) for (let t = 0; t < d; t++) c[r * d + t] = g[r * d + t] - n * mean[r] * mean[t];
  const [e1, e2] = topTwoEigenvectors(c, d);
  const y = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    let a = 0;
    let b = 0;
    for (let t = 0; t < d; t++) {
      const v = x[i * d + t] - mean[t];
      a += v * e1[t];
      b += v * e2[t];
    }
    y[2 * i] = a;
    y[2 * i + 1] = b;
  }
  let m = 0;
  for (let i = 0; i < n; i++) m += y[2 * i] / n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (y[2 * i] - m) ** 2 / n;
  const scale = std / (Math.sqrt(s) || 1);
  return Float32Array.from(y, (v) => v * scale);
}
