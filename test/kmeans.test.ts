import { describe, expect, it } from 'vitest';
import { kmeans } from '../src/kmeans/kmeans.js';
import { accuracy } from '../src/metrics/clustering.js';
import { makeRng, gaussian } from '../src/random/rng.js';
import { ChunkedRows, planRows } from '../src/tensor/index.js';
import { expectClose, useRuntime } from './helpers.js';

const rt = useRuntime();

/** Points on the GPU, in one chunk. */
const points = (x: Float32Array, n: number, d: number) => ChunkedRows.upload(rt(), planRows(rt(), n, d), d, x);

/** k well-separated Gaussian blobs in d dimensions, n points each. */
function blobs(k: number, d: number, n: number, seed: number) {
  const rng = makeRng(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 20 * rng() - 10));
  const x = new Float32Array(k * n * d);
  const labels: number[] = [];
  for (let j = 0; j < k; j++) {
    const noise = gaussian(n * d, 0.5, rng);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < d; t++) x[(j * n + i) * d + t] = centres[j][t] + noise[i * d + t];
      labels.push(j);
    }
  }
  return { x, labels, centres };
}

describe('k-means on the GPU', () => {
  it('recovers planted blobs (ACC 1) and their centres', async () => {
    const { x, labels, centres } = blobs(5, 7, 60, 1);
    const buf = points(x, 300, 7);
    const r = await kmeans(rt(), buf, { k: 5, restarts: 5, seed: 0 });
    expect(accuracy(labels, r.labels)).toBe(1);
    for (const c of centres) {
      const nearest = Math.min(...Array.from({ length: 5 }, (_, j) => Math.hypot(...c.map((v, t) => v - r.centers[j * 7 + t]))));
      expect(nearest).toBeLessThan(0.3);
    }
    // Inertia is the sum of squared distances to the assigned centres (checked on the CPU).
    let inertia = 0;
    for (let i = 0; i < 300; i++)
      for (let t = 0; t < 7; t++) inertia += (x[i * 7 + t] - r.centers[r.labels[i] * 7 + t]) ** 2;
    expect(r.inertia).toBeCloseTo(inertia, 0);
    buf.dispose();
  });
  it('never leaves a centre NaN, even with more clusters than distinct points', async () => {
    const x = new Float32Array([0, 0, 0, 0, 1, 1, 1, 1, 5, 5, 5, 5]); // 12 points (d = 1), 3 distinct values
    const buf = points(x, 12, 1);
    const r = await kmeans(rt(), buf, { k: 4, restarts: 3, seed: 2, maxIter: 20 });
    expect(r.centers.every(Number.isFinite)).toBe(true);
    expect(r.inertia).toBeCloseTo(0, 5);
    buf.dispose();
  });
  it('the same seed gives the same clustering', async () => {
    const { x } = blobs(4, 3, 50, 3);
    const buf = points(x, 200, 3);
    const a = await kmeans(rt(), buf, { k: 4, restarts: 2, seed: 9 });
    const b = await kmeans(rt(), buf, { k: 4, restarts: 2, seed: 9 });
    expect(Array.from(a.centers)).toEqual(Array.from(b.centers));
    buf.dispose();
  });
  it('points split into chunks (data larger than one binding) give exactly the one-chunk result', async () => {
    const { x } = blobs(6, 5, 70, 4);
    // The same blocks of 64 points (what a pass adds up in order), in one chunk or in 7.
    const whole = ChunkedRows.upload(rt(), { rows: 420, rowsPerChunk: 448, blockRows: 64 }, 5, x);
    const chunked = ChunkedRows.upload(rt(), { rows: 420, rowsPerChunk: 64, blockRows: 64 }, 5, x); // the last chunk partial
    expect(chunked.chunks).toHaveLength(7);
    const a = await kmeans(rt(), whole, { k: 6, restarts: 3, seed: 5 });
    const b = await kmeans(rt(), chunked, { k: 6, restarts: 3, seed: 5 });
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(Array.from(b.centers)).toEqual(Array.from(a.centers));
    expect(b.inertia).toBe(a.inertia);
    whole.dispose();
    chunked.dispose();
  });
  it('the result is a fixed point of Lloyd in float64: each point with its nearest centre, each centre the mean of its points', async () => {
    const { x } = blobs(6, 9, 80, 8); // 480 points, d = 9 (odd, not a multiple of 4)
    const buf = points(x, 480, 9);
    const r = await kmeans(rt(), buf, { k: 6, restarts: 2, seed: 1 });
    const sums = new Float64Array(6 * 9);
    const counts = new Float64Array(6);
    for (let i = 0; i < 480; i++) {
      const d2 = Array.from({ length: 6 }, (_, j) => {
        let s = 0;
        for (let t = 0; t < 9; t++) s += (x[i * 9 + t] - r.centers[j * 9 + t]) ** 2;
        return s;
      });
      const nearest = d2.indexOf(Math.min(...d2));
      if (nearest !== r.labels[i]) expect(d2[r.labels[i]] - d2[nearest]).toBeLessThan(1e-4); // a tie within float32 noise
      counts[r.labels[i]]++;
      for (let t = 0; t < 9; t++) sums[r.labels[i] * 9 + t] += x[i * 9 + t];
    }
    expectClose(r.centers, sums.map((v, i) => v / counts[Math.floor(i / 9)]), { atol: 1e-5, rtol: 1e-5 }, 'centres');
    buf.dispose();
  });
});
