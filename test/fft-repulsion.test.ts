// The FFT-interpolated t-SNE repulsion (src/tsne/interpolation.ts) as a whole: the node grid's
// convolution by FFT against the direct sum over node pairs, and spread → FFT convolution →
// gather → R and Z against the exact O(n²) sums, in float64. With FFT_TIMINGS=1 it also prints
// the time of one repulsion evaluation at 10,000 and 70,000 points (and of today's exact forces).
import { describe, expect, it } from 'vitest';
import { grid1d } from '../src/gpu/registry.js';
import type { Runtime } from '../src/gpu/runtime.js';
import { fftInto } from '../src/tsne/fft.js';
import { acquireInterpBuffers, binPointsInto, boundsInto, chooseGrid, convolveInto, gridOf, kernelGridInto, releaseInterpBuffers, repulsionInto, spreadInto, type InterpGrid } from '../src/tsne/interpolation.js';
import { sumInto, tsneFamily } from '../src/tsne/tsne.js';
import { convolveRef, dftRows, exactRepulsion, NODES, norm2, type GridRef } from './fft-reference.js';
import { randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();
const EPS32 = 2 ** -24;

/** n points in `k` Gaussian blobs (σ = extent/12) with centres uniform in ±extent/2 × 0.7: a t-SNE-like map. */
function blobs(n: number, extent: number, seed: string, k = 8): Float32Array {
  const u = randomArray(4 * n, seed, 0, 1);
  const c = randomArray(2 * k, `${seed}c`, -0.35 * extent, 0.35 * extent);
  const y = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2 * Math.log(1 - u[4 * i])) * (extent / 12);
    const t = 2 * Math.PI * u[4 * i + 1];
    const b = Math.floor(u[4 * i + 2] * k);
    y[2 * i] = c[2 * b] + r * Math.cos(t);
    y[2 * i + 1] = c[2 * b + 1] + r * Math.sin(t);
  }
  return y;
}

/** One repulsion evaluation on the GPU: R ([n, 2]) and Z. */
async function fftRepulsion(r: Runtime, y: Float32Array, n: number, g: InterpGrid): Promise<{ rep: Float32Array; z: number }> {
  const yb = r.acquire(n * 8);
  const [rep, zrow, z] = [r.acquire(n * 8), r.acquire(n * 4), r.acquire(4)];
  const b = acquireInterpBuffers(r, n, g);
  try {
    r.write(yb, y);
    repulsionInto(r, yb, n, g, rep, z, b, zrow);
    const [repOut, zOut] = await Promise.all([r.readF32(rep, 2 * n), r.readF32(z, 1)]);
    return { rep: repOut, z: zOut[0] };
  } finally {
    releaseInterpBuffers(r, b);
    for (const buf of [yb, rep, zrow, z]) r.release(buf);
  }
}

/** ‖ours − ref‖₂ / ‖ref‖₂. */
function relErr(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  const d = Array.from(ref, (v, i) => ours[i] - v);
  return norm2(d) / norm2(ref);
}

describe('the FFT against the DFT', () => {
  // op-table-fft.ts bounds every element by 4·log2(N)·ε·rms(X); this logs how much of that the
  // forward transform uses, over a batch of 3, so the bound's margin is on record.
  it('uses a small share of 4·log2(N)·ε·rms(X) at N = 16 … 4096', async () => {
    const r = rt();
    for (const n of [16, 64, 256, 1024, 4096]) {
      const batches = 3;
      const x = randomArray(2 * n * batches, `share${n}`);
      const [a, b] = [r.acquire(x.byteLength), r.acquire(x.byteLength)];
      r.write(a, x);
      const out = await r.readF32(fftInto(r, { n, batches }, a, b), 2 * n * batches);
      const ref = dftRows(x, batches, n);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(out[i] - ref[i]));
      const rms = norm2(ref) / Math.sqrt(n * batches);
      const share = worst / (4 * Math.log2(n) * EPS32 * rms);
      console.log(`FFT n=${n}: max error ${worst.toExponential(2)} = ${(worst / (EPS32 * rms)).toFixed(1)}·ε·rms(X) = ${share.toFixed(3)} of the bound`);
      expect(share).toBeLessThanOrEqual(1);
      r.release(a);
      r.release(b);
    }
  });
});

describe('the node grid convolved by FFT', () => {
  // The FFT's error relative to the signal's norm (op-table-fft.ts): per channel,
  // max |φ − φ_ref| ≤ 8·log2(N²)·ε·‖w‖₂·‖K‖₂ (Cauchy–Schwarz bounds the output by ‖w‖₂‖K‖₂; the
  // forward, product and inverse transforms each add their ε·log2 N² share of it).
  it.each([3, 5, 8])('equals the direct sum over node pairs (B = %i, squared kernel)', async (boxes) => {
    const r = rt();
    const g = gridOf(boxes);
    const n = 50;
    const y = blobs(n, 8, `cv${boxes}`);
    const yb = r.acquire(n * 8);
    const b = acquireInterpBuffers(r, n, g);
    try {
      r.write(yb, y);
      boundsInto(r, yb, n, g, b.grid);
      kernelGridInto(r, g, b.grid, b.kernel, 2, b.tmp);
      binPointsInto(r, yb, n, g, b);
      spreadInto(r, yb, n, g, b);
      const nn = g.fftN * g.fftN;
      const wGrid = await r.readF32(b.w, 4 * nn);
      convolveInto(r, g, b);
      const [phi, gv] = await Promise.all([r.readF32(b.w, 4 * nn), r.readF32(b.grid, 3)]);
      const gr: GridRef = { x0: gv[0], width: gv[1], centre: gv[2], boxes };
      const m = boxes * NODES;
      const at = (buf: Float32Array, c: number, row: number, col: number) => buf[(c >> 1) * 2 * nn + 2 * (row * g.fftN + col) + (c & 1)];
      const w = new Float64Array(4 * m * m);
      for (let c = 0; c < 4; c++) for (let row = 0; row < m; row++) for (let col = 0; col < m; col++) w[c * m * m + row * m + col] = at(wGrid, c, row, col);
      const ref = convolveRef(w, gr, 2);
      const h = gr.width / NODES;
      let k2 = 0;
      for (let i = 1 - m; i < m; i++) for (let j = 1 - m; j < m; j++) k2 += (1 + h * h * (i * i + j * j)) ** -4;
      for (let c = 0; c < 4; c++) {
        const bound = 8 * Math.log2(nn) * EPS32 * norm2(w.subarray(c * m * m, (c + 1) * m * m)) * Math.sqrt(k2);
        let worst = 0;
        for (let row = 0; row < m; row++) for (let col = 0; col < m; col++) worst = Math.max(worst, Math.abs(at(phi, c, row, col) - ref[c * m * m + row * m + col]));
        console.log(`convolution B=${boxes} N=${g.fftN} charge ${c}: max error ${worst.toExponential(2)} = ${(worst / bound).toFixed(3)} of the bound`);
        expect(worst, `charge ${c}`).toBeLessThanOrEqual(bound);
      }
    } finally {
      releaseInterpBuffers(r, b);
      r.release(yb);
    }
  });
});

describe('spread → FFT convolution → gather against the exact O(n²) repulsion', () => {
  // FIt-SNE's accuracy with p = 3 nodes: the error of interpolating (1 + d²)⁻² by quadratics on
  // nodes h = width/3 apart falls like h³. Measured here (lavapipe, float32), the relative error
  // of R in the 2-norm over all points is 1.1–1.2·h³ on sparse maps (0.4·h³ on a dense one) from
  // h = 0.06 to 0.75 (B = 120 → 340 at extent 111: 3.4e-2 → 1.5e-3, ×8 for half the h: the
  // interpolation, not float32, dominates); Z's is 0.1–0.3·h³. The bounds: 2·h³ for R and 0.5·h³
  // for Z, with floors for float32 (2e-5, 2e-6) where h is tiny. chooseGrid keeps h ≤ 1/3 (as
  // FIt-SNE's own choice, B ≥ extent) and smaller where the power-of-two N leaves room: h = 0.22
  // (R within ~1.2e-2, Z ~3e-3) at extent 111, h ≤ 0.12 (R ≤ 2e-3) below extent ~60.
  const cases: [number, number, string][] = [
    [7, 6, 'FIt-SNE'],
    [100, 20, 'FIt-SNE'],
    [1000, 100, 'FIt-SNE'],
    [2000, 30, 'FIt-SNE'],
    [1000, 100, 'B=60'],
    [1000, 100, 'B=120'],
    [1000, 100, 'B=340'],
    [1000, 20, 'B=10'],
  ];
  it.each(cases)('n = %i, extent %i, grid %s: within 2h³ (R) and h³/2 (Z) of the exact sums', async (n, extent, which) => {
    const y = blobs(n, extent, `rp${n}:${extent}`);
    let [lo, hi] = [Infinity, -Infinity];
    for (const v of y) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const g = which === 'FIt-SNE' ? chooseGrid(hi - lo) : gridOf(Number(which.slice(2)));
    const ours = await fftRepulsion(rt(), y, n, g);
    const ref = exactRepulsion(y, n);
    const eR = relErr(ours.rep, ref.rep);
    const eZ = Math.abs(ours.z - ref.z) / ref.z;
    const h = (hi - lo) / g.boxes / NODES;
    console.log(`n=${n} extent=${(hi - lo).toFixed(1)} B=${g.boxes} N=${g.fftN} h=${h.toFixed(3)}: ‖R − R_exact‖/‖R_exact‖ = ${eR.toExponential(2)} (${(eR / h ** 3).toFixed(2)}·h³), |Z − Z_exact|/Z_exact = ${eZ.toExponential(2)} (${(eZ / h ** 3).toFixed(2)}·h³)`);
    expect(eR).toBeLessThanOrEqual(Math.max(2 * h ** 3, 2e-5));
    expect(eZ).toBeLessThanOrEqual(Math.max(0.5 * h ** 3, 2e-6));
  });
});

describe('the same map', () => {
  // The points reach each node in index order (bin_sort), whatever order the atomics placed them in.
  it('gives the same bits on every run', async () => {
    const n = 3000;
    const y = blobs(n, 40, 'same');
    const g = chooseGrid(45);
    const [first, second] = [await fftRepulsion(rt(), y, n, g), await fftRepulsion(rt(), y, n, g)];
    expect(Array.from(second.rep)).toEqual(Array.from(first.rep));
    expect(second.z).toBe(first.z);
  });
});

describe.runIf(process.env.FFT_TIMINGS === '1')('timings (printed, not asserted)', () => {
  const time = async (r: Runtime, record: () => void, reps = 3): Promise<number> => {
    record();
    await r.sync(); // warm-up: pipelines built, JIT done
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) record();
    await r.sync();
    return (performance.now() - t0) / reps;
  };

  it.each([
    [10_000, 100],
    [70_000, 100],
    [10_000, 60],
  ])('one FFT repulsion evaluation at n = %i, extent %i', async (n, extent) => {
    const r = rt();
    const y = blobs(n, extent, `tm${n}`);
    let [lo, hi] = [Infinity, -Infinity];
    for (const v of y) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const g = chooseGrid(hi - lo);
    const yb = r.acquire(n * 8);
    const [rep, zrow, z] = [r.acquire(n * 8), r.acquire(n * 4), r.acquire(4)];
    const b = acquireInterpBuffers(r, n, g);
    r.write(yb, y);
    const ms = await time(r, () => repulsionInto(r, yb, n, g, rep, z, b, zrow));
    const prof = await r.profile(() => repulsionInto(r, yb, n, g, rep, z, b, zrow)).catch(() => null);
    console.log(`FFT repulsion n=${n} extent=${(hi - lo).toFixed(1)} B=${g.boxes} N=${g.fftN}: ${ms.toFixed(1)} ms per evaluation`);
    if (prof) console.log([...prof].map(([k, v]) => `${k} ${v.ms.toFixed(2)} ms ×${v.count}`).join('; '));
    releaseInterpBuffers(r, b);
    for (const buf of [yb, rep, zrow, z]) r.release(buf);
  });

  it("today's exact forces (A, R, Σ_j w_ij and Z) at n = 5,000, the most one binding holds here", async () => {
    const r = rt();
    const n = 5000;
    const y = blobs(n, 100, `tx${n}`);
    const [p, yb, force, wrow, z] = [r.acquire(n * n * 4), r.acquire(n * 8), r.acquire(n * 16), r.acquire(n * 4), r.acquire(4)];
    r.write(yb, y);
    const u = tsneFamily.params({ n, exaggeration: 1, min_gain: 0.01 });
    const ms = await time(r, () => {
      r.dispatch(tsneFamily.kernels.forces, [u, p, yb, force, wrow], grid1d(n));
      sumInto(r, wrow, n, z);
    });
    console.log(`exact forces n=${n}: ${ms.toFixed(1)} ms per evaluation (×4 for n = 10,000: ~${((4 * ms) / 1000).toFixed(2)} s)`);
    for (const buf of [p, yb, force, wrow, z]) r.release(buf);
  });
});
