// t-SNE on the GPU against float64 references: distances, calibrated affinities (every row's
// perplexity), the symmetric P, the gradient (finite differences of the KL cost), trustworthiness,
// PCA initialisation; then whole runs: KL falls, blobs stay apart, T(5) high, determinism.
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import {
  affinitiesInto,
  autoLearningRate,
  conditionalAffinitiesInto,
  gradientAt,
  squaredDistancesInto,
  trustworthinessOnGpu,
  tsne,
} from '../src/tsne/tsne.js';
import { pcaInit, topTwoEigenvectors } from '../src/tsne/pca.js';
import { expectClose, randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();

function upload(data: Float32Array): GPUBuffer {
  const b = rt().acquire(data.byteLength);
  rt().write(b, data);
  return b;
}

/** The joint P of n random points in d dimensions on the GPU, and its values; release() frees it. */
async function jointP(n: number, d: number, perplexity: number, seed: string) {
  const xb = upload(randomArray(n * d, seed, -1, 1));
  const p = rt().acquire(n * n * 4);
  const beta = rt().acquire(n * 4);
  affinitiesInto(rt(), xb, n, d, perplexity, p, beta);
  const values = Float64Array.from(await rt().readF32(p, n * n));
  return { p, values, release: () => [xb, p, beta].forEach((b) => rt().release(b)) };
}

function sqDistRef(x: Float32Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (x[i * d + t] - x[j * d + t]) ** 2;
      out[i * n + j] = s;
    }
  return out;
}

/** KL(P ‖ Q(y)) in float64. */
function klRef(p: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  let z = 0;
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      w[i * n + j] = 1 / (1 + (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2);
      z += w[i * n + j];
    }
  let kl = 0;
  for (let e = 0; e < n * n; e++) if (p[e] > 0) kl += p[e] * Math.log(p[e] / (w[e] / z));
  return kl;
}

/** sklearn.manifold.trustworthiness, transcribed in float64. */
function trustworthinessRef(x: Float32Array, d: number, y: Float32Array, n: number, k: number): number {
  const dx = sqDistRef(x, n, d);
  const dy = sqDistRef(y, n, 2);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const byX = [...Array(n).keys()].filter((j) => j !== i).sort((a, b) => dx[i * n + a] - dx[i * n + b] || a - b);
    const rank = new Map(byX.map((j, r) => [j, r + 1]));
    const byY = [...Array(n).keys()].filter((j) => j !== i).sort((a, b) => dy[i * n + a] - dy[i * n + b] || a - b);
    for (const j of byY.slice(0, k)) t += Math.max(0, rank.get(j)! - k);
  }
  return 1 - (2 * t) / (n * k * (2 * n - 3 * k - 1));
}

/** Gaussian blobs: `per` points around each of `centres` random centres `sep` apart on average. */
function blobs(centres: number, per: number, d: number, sep: number, seed: string): { x: Float32Array; label: number[] } {
  const rng = seedrandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const c = Array.from({ length: centres }, () => Array.from({ length: d }, () => sep * gauss()));
  const x = new Float32Array(centres * per * d);
  const label: number[] = [];
  for (let b = 0; b < centres; b++)
    for (let i = 0; i < per; i++) {
      const r = b * per + i;
      label.push(b);
      for (let t = 0; t < d; t++) x[r * d + t] = c[b][t] + gauss();
    }
  return { x, label };
}

describe('t-SNE input affinities', () => {
  it('squared distances match float64 on an odd shape (tiles of 16 with ragged edges)', async () => {
    const n = 37;
    const d = 19;
    const x = randomArray(n * d, 'sq', -2, 2);
    const xb = upload(x);
    const out = rt().acquire(n * n * 4);
    squaredDistancesInto(rt(), xb, n, d, out);
    expectClose(await rt().readF32(out, n * n), sqDistRef(x, n, d), { atol: 1e-5, rtol: 1e-5 }, 'D');
    rt().release(xb);
    rt().release(out);
  });

  it('meets the perplexity of every row to 1e-3 and matches exp(−β D) / Σ for the β found', async () => {
    const n = 101;
    const d = 7;
    const x = randomArray(n * d, 'perp', -1, 1);
    for (const perplexity of [5, 30]) {
      const xb = upload(x);
      const p = rt().acquire(n * n * 4);
      const beta = rt().acquire(n * 4);
      conditionalAffinitiesInto(rt(), xb, n, d, perplexity, p, beta);
      const [pc, b] = [await rt().readF32(p, n * n), await rt().readF32(beta, n)];
      const dist = sqDistRef(x, n, d);
      const ref = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        let h = 0;
        let s = 0;
        for (let j = 0; j < n; j++) {
          if (j === i) {
            expect(pc[i * n + j]).toBe(0);
            continue;
          }
          s += pc[i * n + j];
          if (pc[i * n + j] > 0) h -= pc[i * n + j] * Math.log(pc[i * n + j]);
          ref[i * n + j] = Math.exp(-b[i] * dist[i * n + j]);
        }
        expect(Math.abs(s - 1), `row ${i} sums to 1`).toBeLessThan(1e-5);
        expect(Math.abs(Math.exp(h) - perplexity) / perplexity, `row ${i} perplexity`).toBeLessThan(1e-3);
        const z = ref.slice(i * n, (i + 1) * n).reduce((a, v) => a + v, 0);
        for (let j = 0; j < n; j++) ref[i * n + j] /= z;
      }
      expectClose(pc, ref, { atol: 1e-7, rtol: 1e-4 }, `p_j|i at perplexity ${perplexity}`);
      // The joint P: (P + Pᵀ) / 2n, symmetric, summing to 1.
      const pj = rt().acquire(n * n * 4);
      affinitiesInto(rt(), xb, n, d, perplexity, pj, beta);
      const joint = await rt().readF32(pj, n * n);
      const jref = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) jref[i * n + j] = (pc[i * n + j] + pc[j * n + i]) / (2 * n);
      expectClose(joint, jref, { atol: 1e-9, rtol: 1e-5 }, 'joint P');
      expect(Math.abs(joint.reduce((a, v) => a + v, 0) - 1)).toBeLessThan(1e-4);
      for (const buf of [xb, p, beta, pj]) rt().release(buf);
    }
  });
});

describe('t-SNE gradient and cost', () => {
  it('matches central finite differences of KL(P ‖ Q) in float64, and the cost itself', async () => {
    const n = 11;
    const { p, values: pv, release } = await jointP(n, 5, 4, 'grad-x');
    const y = randomArray(n * 2, 'grad-y', -2, 2);
    const { grad, kl } = await gradientAt(rt(), p, n, y);
    expect(Math.abs(kl - klRef(pv, y, n))).toBeLessThan(1e-5);
    const fd = new Float64Array(n * 2);
    const h = 1e-5;
    for (let e = 0; e < n * 2; e++) {
      const yp = Float64Array.from(y);
      const ym = Float64Array.from(y);
      yp[e] += h;
      ym[e] -= h;
      fd[e] = (klRef(pv, yp, n) - klRef(pv, ym, n)) / (2 * h);
    }
    expectClose(grad, fd, { atol: 2e-5, rtol: 1e-3 }, '∂KL/∂y');
    release();
  });

  it('sums Z over many workgroups: n = 700 rows (three partials) agrees with float64', async () => {
    const n = 700;
    const { p, values: pv, release } = await jointP(n, 3, 20, 'z-x');
    const y = randomArray(n * 2, 'z-y', -3, 3);
    const { kl } = await gradientAt(rt(), p, n, y);
    expect(Math.abs(kl - klRef(pv, y, n)) / klRef(pv, y, n)).toBeLessThan(1e-4);
    release();
  });
});

describe('trustworthiness and PCA initialisation', () => {
  it('T(k) on the GPU equals scikit-learn’s definition in float64', async () => {
    const n = 120;
    const d = 6;
    const x = randomArray(n * d, 'tw-x', -1, 1);
    // A map that keeps some structure (two input coordinates plus noise): T well inside (0.5, 1).
    const noise = randomArray(n * 2, 'tw-noise', -0.5, 0.5);
    const y = Float32Array.from({ length: n * 2 }, (_, e) => x[Math.floor(e / 2) * d + (e % 2)] + noise[e]);
    const xb = upload(x);
    const pairs = rt().acquire(n * n * 4);
    for (const k of [1, 5, 12]) {
      const ours = await trustworthinessOnGpu(rt(), xb, n, d, y, k, pairs);
      const ref = trustworthinessRef(x, d, y, n, k);
      expect(ref).toBeGreaterThan(0.5);
      expect(ref).toBeLessThan(0.99);
      expect(Math.abs(ours - ref), `T(${k}) ${ours} vs ${ref}`).toBeLessThan(1e-9);
    }
    rt().release(xb);
    rt().release(pairs);
  });

  it('finds the top two eigenvectors and scales the first coordinate to std 1e-4', async () => {
    // A symmetric matrix with known eigenvectors: Q diag(9, 4, 1, 0.5, 0.1) Qᵀ for a rotation Q.
    const d = 5;
    const q = randomArray(d * d, 'pca-q', -1, 1);
    const basis: Float64Array[] = [];
    for (let r = 0; r < d; r++) {
      const v = Float64Array.from(q.slice(r * d, (r + 1) * d));
      for (const b of basis) {
        const dot = v.reduce((s, t, i) => s + t * b[i], 0);
        for (let i = 0; i < d; i++) v[i] -= dot * b[i];
      }
      const nv = Math.sqrt(v.reduce((s, t) => s + t * t, 0));
      basis.push(v.map((t) => t / nv));
    }
    const lambda = [9, 4, 1, 0.5, 0.1];
    const c = new Float64Array(d * d);
    for (let r = 0; r < d; r++) for (let s = 0; s < d; s++) for (let e = 0; e < d; e++) c[r * d + s] += lambda[e] * basis[e][r] * basis[e][s];
    const [e1, e2] = topTwoEigenvectors(c, d);
    expect(Math.abs(e1.reduce((s, t, i) => s + t * basis[0][i], 0))).toBeGreaterThan(1 - 1e-9);
    expect(Math.abs(e2.reduce((s, t, i) => s + t * basis[1][i], 0))).toBeGreaterThan(1 - 1e-9);

    // Points stretched along a known direction: the first map coordinate follows it.
    const n = 300;
    const dx = 4;
    const rng = seedrandom('pca-points');
    const x = new Float32Array(n * dx);
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = 10 * (rng() - 0.5);
      for (let k = 0; k < dx; k++) x[i * dx + k] = 3 + t[i] * [0.5, 0.5, 0.5, -0.5][k] + 0.3 * (rng() - 0.5);
    }
    const xb = upload(x);
    const y = await pcaInit(rt(), xb, x, n, dx);
    rt().release(xb);
    const y0 = Array.from({ length: n }, (_, i) => y[2 * i]);
    const mean = y0.reduce((a, v) => a + v, 0) / n;
    const std = Math.sqrt(y0.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
    expect(Math.abs(std - 1e-4) / 1e-4).toBeLessThan(1e-5);
    let cov = 0;
    let vt = 0;
    for (let i = 0; i < n; i++) {
      cov += (y0[i] - mean) * t[i];
      vt += t[i] * t[i];
    }
    expect(Math.abs(cov) / Math.sqrt(vt * n * std * std)).toBeGreaterThan(0.999);
  });
});

describe('t-SNE runs', () => {
  it('separates Gaussian blobs: KL falls, T(5) ≥ 0.95, no blob overlaps another in 2-D; same seed, same bits', async () => {
    const { x, label } = blobs(5, 40, 10, 4, 'blobs');
    const n = label.length;
    const events: number[] = [];
    const r = await tsne(rt(), x, n, 10, { seed: 1, onProgress: (e) => events.push(e.iteration) });
    expect(r.learningRate).toBe(autoLearningRate(n));
    expect(events).toEqual(Array.from({ length: 20 }, (_, i) => 50 * (i + 1)));
    const kls = r.klHistory.map((h) => h.kl);
    expect(kls.every(Number.isFinite)).toBe(true);
    // After early exaggeration (iteration 250) the cost falls to the end.
    const late = kls.slice(5);
    expect(late[late.length - 1]).toBeLessThan(late[0]);
    expect(kls[kls.length - 1]).toBeLessThan(kls[0]);
    expect(Math.abs(r.kl - kls[kls.length - 1])).toBeLessThan(0.05);
    expect(r.trustworthiness!).toBeGreaterThanOrEqual(0.95);
    // Each blob's points are nearer their own blob's 2-D centre than any other's, and the blobs'
    // bounding circles (radius = the farthest member) do not intersect.
    const centre = Array.from({ length: 5 }, () => [0, 0]);
    for (let i = 0; i < n; i++) {
      centre[label[i]][0] += r.y[2 * i] / 40;
      centre[label[i]][1] += r.y[2 * i + 1] / 40;
    }
    const radius = new Array(5).fill(0);
    for (let i = 0; i < n; i++) radius[label[i]] = Math.max(radius[label[i]], Math.hypot(r.y[2 * i] - centre[label[i]][0], r.y[2 * i + 1] - centre[label[i]][1]));
    for (let a = 0; a < 5; a++)
      for (let b = a + 1; b < 5; b++) expect(Math.hypot(centre[a][0] - centre[b][0], centre[a][1] - centre[b][1]), `blobs ${a}, ${b}`).toBeGreaterThan(radius[a] + radius[b]);

    const again = await tsne(rt(), x, n, 10, { seed: 1 });
    expect(Buffer.from(again.y.buffer).equals(Buffer.from(r.y.buffer))).toBe(true);
    const random = await tsne(rt(), x, n, 10, { seed: 2, init: 'random', iterations: 300 });
    expect(random.y.every(Number.isFinite)).toBe(true);
  });

  it('refuses a perplexity that n cannot reach, and too few points', async () => {
    const x = randomArray(20 * 2, 'few');
    await expect(tsne(rt(), x, 20, 2, { perplexity: 30 })).rejects.toThrow(/^perplexity must be in \(0, n − 1\) = \(0, 19\); got 30/);
    await expect(tsne(rt(), x, 2, 2)).rejects.toThrow(/at least 3 points/);
  });
});
