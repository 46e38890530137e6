// The fft method of t-SNE (src/tsne/sparse.ts) as a whole: its attraction and KL over a CSR P
// against float64; its gradient against the exact method's when both have the same P (k = n − 1,
// so only the interpolation differs); whole runs against the exact method (T(5), determinism);
// trustworthiness on a seeded sample; the method switch.
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { affinitiesInto, gradientAt, gradientOf } from '../src/tsne/exact.js';
import { SparseForces } from '../src/tsne/sparse.js';
import { sparseAffinities, type CsrMatrix } from '../src/tsne/sparse-p.js';
import { EXACT_MAX_POINTS, methodFor, sampleIndices, TRUST_SAMPLE, tsne } from '../src/tsne/tsne.js';
import { trustworthinessOnGpu } from '../src/tsne/exact.js';
import { expectClose, randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();

/** A random symmetric sparsity pattern with values summing to 1; row `empty` has no entries. */
function randomCsr(n: number, perRow: number, seed: string, empty: number): CsrMatrix {
  const rng = seedrandom(seed);
  const cells = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (i === empty) continue;
    for (let t = 0; t < perRow; t++) {
      const j = Math.floor(rng() * n);
      if (j === i || j === empty) continue;
      const v = rng() + 0.01;
      cells.set(i * n + j, v);
      cells.set(j * n + i, v);
    }
  }
  const keys = [...cells.keys()].sort((a, b) => a - b);
  const total = keys.reduce((s, key) => s + cells.get(key)!, 0);
  const rowPtr = new Uint32Array(n + 1);
  for (const key of keys) rowPtr[Math.floor(key / n) + 1]++;
  for (let i = 0; i < n; i++) rowPtr[i + 1] += rowPtr[i];
  return { n, rowPtr, col: Uint32Array.from(keys, (key) => key % n), val: Float32Array.from(keys, (key) => cells.get(key)! / total) };
}

/** A, KL's Σ p ln(p/q) rows and the exact Z, R in float64, for P in CSR at the map y. */
function sparseRef(p: CsrMatrix, y: Float32Array) {
  const n = p.n;
  const a = new Float64Array(n * 2);
  let z = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (i !== j) z += 1 / (1 + (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2);
  let kl = 0;
  for (let i = 0; i < n; i++)
    for (let e = p.rowPtr[i]; e < p.rowPtr[i + 1]; e++) {
      const j = p.col[e];
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const w = 1 / (1 + dx * dx + dy * dy);
      a[2 * i] += p.val[e] * w * dx;
      a[2 * i + 1] += p.val[e] * w * dy;
      kl += p.val[e] * Math.log(p.val[e] / (w / z));
    }
  return { a, kl, z };
}

describe('sparse attraction and KL', () => {
  it('match float64 over a CSR P (odd n, ragged rows, an empty row), with Z within the interpolation error', async () => {
    const n = 523;
    const p = randomCsr(n, 7, 'csr', 100);
    const y = randomArray(n * 2, 'csr-y', -8, 8);
    const f = new SparseForces(rt(), p, y, 16);
    try {
      f.compute();
      f.klDivergence();
      const [force, z, kl] = await Promise.all([rt().readF32(f.force, n * 4), rt().readF32(f.z, 1), rt().readF32(f.kl, 1)]);
      const ref = sparseRef(p, y);
      const a = Float32Array.from({ length: n * 2 }, (_, e) => force[4 * Math.floor(e / 2) + (e % 2)]);
      expectClose(a, ref.a, { atol: 1e-7, rtol: 1e-4 }, 'A over the non-zeros');
      expect(a[200]).toBe(0); // row 100, the empty one
      expect(Math.abs(z[0] - ref.z) / ref.z, 'Z (interpolated)').toBeLessThan(2e-3);
      // KL = Σ p ln p + Σ p ln(1 + d²) + ln Z: the interpolated Z enters only through ln Z.
      expect(Math.abs(kl[0] - ref.kl), `KL ${kl[0]} vs ${ref.kl}`).toBeLessThan(Math.abs(Math.log(z[0] / ref.z)) + 1e-4 * Math.abs(ref.kl) + 1e-5);
    } finally {
      f.release();
    }
  });
});

describe('the fft gradient', () => {
  it('equals the exact gradient within the interpolation error when P is the same (k = n − 1)', async () => {
    const n = 301;
    const d = 5;
    const x = randomArray(n * d, 'fft-grad-x', -1, 1);
    const y = randomArray(n * 2, 'fft-grad-y', -12, 12);
    const xb = rt().acquire(n * d * 4);
    const dense = rt().acquire(n * n * 4);
    const beta = rt().acquire(n * 4);
    rt().write(xb, x);
    affinitiesInto(rt(), xb, n, d, 20, dense, beta);
    const exact = await gradientAt(rt(), dense, n, y);
    const p = await sparseAffinities(rt(), x, n, d, 20, n - 1);
    const f = new SparseForces(rt(), p, y, 24);
    try {
      const fft = await gradientOf(rt(), f);
      let err = 0;
      let norm = 0;
      for (let e = 0; e < n * 2; e++) {
        err += (fft.grad[e] - exact.grad[e]) ** 2;
        norm += exact.grad[e] ** 2;
      }
      // h = extent / 3B = 24 / 150: ~1.2 h³ ≈ 5e-3 relative on R (interpolation.ts's header).
      expect(Math.sqrt(err / norm), 'relative ‖∇_fft − ∇_exact‖').toBeLessThan(1e-2);
      expect(Math.abs(fft.kl - exact.kl) / exact.kl, `KL ${fft.kl} vs ${exact.kl}`).toBeLessThan(1e-3);
    } finally {
      f.release();
      for (const b of [xb, dense, beta]) rt().release(b);
    }
  });
});

/** Gaussian blobs in d dimensions: `per` points around each of `centres` centres. */
function blobs(centres: number, per: number, d: number, sep: number, seed: string): Float32Array {
  const rng = seedrandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const c = Array.from({ length: centres }, () => Array.from({ length: d }, () => sep * gauss()));
  const x = new Float32Array(centres * per * d);
  for (let b = 0; b < centres; b++) for (let i = 0; i < per; i++) for (let t = 0; t < d; t++) x[(b * per + i) * d + t] = c[b][t] + gauss();
  return x;
}

describe('fft t-SNE runs', () => {
  it('keeps T(5) within 0.01 of the exact method on blobs; KL falls; same seed, same bits', async () => {
    const n = 600;
    const x = blobs(6, 100, 10, 3, 'fft-run');
    const o = { seed: 3, iterations: 500 };
    const exact = await tsne(rt(), x, n, 10, { ...o, method: 'exact' });
    const fft = await tsne(rt(), x, n, 10, { ...o, method: 'fft' });
    expect(exact.method).toBe('exact');
    expect(fft.method).toBe('fft');
    expect(fft.trustworthinessPoints).toBe(n);
    expect(Math.abs(fft.trustworthiness! - exact.trustworthiness!), `T(5) fft ${fft.trustworthiness} exact ${exact.trustworthiness}`).toBeLessThan(0.01);
    const kls = fft.klHistory.map((h) => h.kl);
    expect(kls.every(Number.isFinite)).toBe(true);
    expect(kls[kls.length - 1]).toBeLessThan(kls[5]);
    const again = await tsne(rt(), x, n, 10, { ...o, method: 'fft' });
    expect(Buffer.from(again.y.buffer).equals(Buffer.from(fft.y.buffer))).toBe(true);
  });

  it('measures T(5) on a seeded sample of 5,000 points past that size', async () => {
    const n = TRUST_SAMPLE + 37;
    const d = 4;
    const x = randomArray(n * d, 'trust-sample', -1, 1);
    const r = await tsne(rt(), x, n, d, { method: 'fft', iterations: 3, klEvery: 1, seed: 5 });
    expect(r.trustworthinessPoints).toBe(TRUST_SAMPLE);
    const pick = sampleIndices(n, TRUST_SAMPLE, 5);
    expect(new Set(pick).size).toBe(TRUST_SAMPLE);
    expect(Array.from(pick)).toEqual(Array.from(pick).sort((a, b) => a - b));
    const xs = new Float32Array(TRUST_SAMPLE * d);
    const ys = new Float32Array(TRUST_SAMPLE * 2);
    pick.forEach((i, s) => {
      xs.set(x.subarray(i * d, i * d + d), s * d);
      ys.set(r.y.subarray(2 * i, 2 * i + 2), 2 * s);
    });
    const xb = rt().acquire(xs.byteLength);
    const pairs = rt().acquire(TRUST_SAMPLE * TRUST_SAMPLE * 4);
    rt().write(xb, xs);
    expect(r.trustworthiness).toBe(await trustworthinessOnGpu(rt(), xb, TRUST_SAMPLE, d, ys, 5, pairs));
    rt().release(xb);
    rt().release(pairs);
  });

  it("'auto' is exact up to EXACT_MAX_POINTS and fft above; an explicit method wins", () => {
    expect(methodFor('auto', EXACT_MAX_POINTS)).toBe('exact');
    expect(methodFor(undefined, EXACT_MAX_POINTS + 1)).toBe('fft');
    expect(methodFor('exact', 10 ** 6)).toBe('exact');
    expect(methodFor('fft', 10)).toBe('fft');
  });
});
