// The op table's entries for the FFT (fft.wgsl) and the FIt-SNE interpolation kernels
// (tsne_interp.wgsl), each against its float64 reference (fft-reference.ts); op-table.ts lists them.
//
// FFT tolerances: a float32 Stockham FFT's error grows like ε·log2 N relative to the signal's norm
// (each of the log2 N butterfly levels rounds once, and the twiddles are correctly rounded from
// float64), so every output element of a transform of length N (or N × N) must be within
// 4·log2(N)·ε·rms(X) of the float64 DFT, ε = 2⁻²⁴, rms(X) the root mean square of the reference
// output. Measured (fft-repulsion.test.ts logs it): 0.13–0.17 of the bound for the one-dispatch
// kernels (N = 16 … 1024), 0.19 for the passes at N = 4096 (0.2–0.25 with the passes throughout).
import { expect } from 'vitest';
import type { Runtime } from '../src/gpu/runtime.js';
import { fft2dInto, fft2dPassesInto, fftInto, fftPassesInto, LINE_NS, mulSpectrumInto, type FftShape } from '../src/tsne/fft.js';
import { binPointsInto, boundsInto, combineInto, gatherInto, gridOf, kernelGridInto, spreadInto, acquireInterpBuffers, releaseInterpBuffers, type InterpGrid } from '../src/tsne/interpolation.js';
import { cellOf, combineRef, dft2d, dftRows, gatherRef, kernel, NODES, spreadRef, type GridRef } from './fft-reference.js';
import { expectClose, randomArray } from './helpers.js';
import type { OpEntry } from './op-table.js';
import type { Guarded } from './sentinel.js';

const EPS32 = 2 ** -24;

/** The FFT tolerance above for a reference output `ref` of a transform of length (or side) n. */
export function fftTol(ref: ArrayLike<number>, n: number): { atol: number; rtol: number } {
  let s = 0;
  for (let i = 0; i < ref.length; i++) s += ref[i] * ref[i];
  const rms = Math.sqrt(s / Math.max(1, ref.length / 2)); // per complex value
  return { atol: 4 * Math.max(1, Math.log2(n)) * EPS32 * rms + 1e-30, rtol: 0 };
}

const maxAbs = (v: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
};

type Fft1d = (rt: Runtime, shape: FftShape, a: GPUBuffer, b: GPUBuffer, inverse?: boolean) => GPUBuffer;

/** `batches` transforms of length n: forward against the DFT, then the inverse of our forward against the inverse DFT. */
const fft1dCase = (fft: Fft1d) =>
  async function (rt: Runtime, g: Guarded, [n, batches]: number[]): Promise<void> {
    const x = randomArray(2 * n * batches, `fx${n}:${batches}`);
    const [a, b] = [g.output(2 * n * batches, x), g.output(2 * n * batches)];
    const out = fft(rt, { n, batches }, a, b);
    const ref = dftRows(x, batches, n);
    const ours = await g.expectF32(out, ref, fftTol(ref, n), `FFT n=${n} ×${batches}`);
    const back = out === a ? b : a;
    const inv = fft(rt, { n, batches }, out, back, true);
    const iref = dftRows(ours, batches, n, true);
    await g.expectF32(inv, iref, fftTol(iref, n), `inverse FFT n=${n} ×${batches}`);
  };

/**
 * The first `perSlab` (even) columns of each of `slabs` [n, n] grids (inner = n), forward, then the
 * inverse of ours, each against the DFT of those columns; in place in one dispatch, so the other
 * columns must come back untouched.
 */
async function fftColsCase(rt: Runtime, g: Guarded, [n, slabs, perSlab]: number[]): Promise<void> {
  const count = 2 * n * n * slabs;
  const shape = { n, batches: slabs * perSlab, inner: n, perSlab };
  const at = (s: number, row: number, c: number) => 2 * (s * n * n + row * n + c);
  /** The transformed columns as rows, [slabs·perSlab, n], and back into a copy of the whole grid. */
  const cols = (v: ArrayLike<number>) => {
    const out = new Float64Array(2 * slabs * perSlab * n);
    for (let s = 0; s < slabs; s++) for (let c = 0; c < perSlab; c++) for (let row = 0; row < n; row++) for (const h of [0, 1]) out[2 * ((s * perSlab + c) * n + row) + h] = v[at(s, row, c) + h];
    return out;
  };
  const uncols = (v: Float64Array, whole: ArrayLike<number>) => {
    const out = Float64Array.from(whole);
    for (let s = 0; s < slabs; s++) for (let c = 0; c < perSlab; c++) for (let row = 0; row < n; row++) for (const h of [0, 1]) out[at(s, row, c) + h] = v[2 * ((s * perSlab + c) * n + row) + h];
    return out;
  };
  const x = randomArray(count, `fc${n}:${slabs}:${perSlab}`);
  const [a, b] = [g.output(count, x), g.output(count)];
  const out = fftInto(rt, shape, a, b);
  expect(out, 'in place').toBe(a);
  const ref = dftRows(cols(x), slabs * perSlab, n);
  const ours = await g.expectF32(a, uncols(ref, x), fftTol(ref, n), `FFT of ${perSlab} columns of ${slabs} ${n}×${n}`);
  fftInto(rt, shape, a, b, true);
  const iref = dftRows(cols(ours), slabs * perSlab, n, true);
  await g.expectF32(a, uncols(iref, ours), fftTol(iref, n), `inverse FFT of ${perSlab} columns of ${slabs} ${n}×${n}`);
}

/**
 * `slabs` 2-D transforms of n × n, the product with a spectrum, and the inverse; with `used` < n
 * pruned as the convolution runs them: input rows ≥ used zero (in both buffers: the row passes may
 * end in either), and only the first `used` rows of the inverse computed (and compared).
 */
const fft2dCase = (fft2d: typeof fft2dInto) =>
  async function (rt: Runtime, g: Guarded, [n, slabs, used = n]: number[]): Promise<void> {
    const count = 2 * n * n * slabs;
    const zeroRows = (v: Float32Array) => v.map((x, i) => (Math.floor(i / (2 * n)) % n < used ? x : 0));
    const x = zeroRows(randomArray(count, `f2${n}:${slabs}:${used}`));
    const [a, b] = [g.output(count, x), g.output(count, zeroRows(randomArray(count, `f2b${n}`)))];
    fft2d(rt, n, slabs, a, b, false, used);
    const ref = dft2d(x, slabs, n);
    const ours = await g.expectF32(a, ref, fftTol(ref, n * n), `2-D FFT ${n}×${n} ×${slabs} (rows < ${used})`);
    const spec = randomArray(2 * n * n, `fs${n}`);
    mulSpectrumInto(rt, g.input(spec), a, n * n, slabs);
    const prod = new Float64Array(count);
    for (let e = 0; e < count / 2; e++) {
      const k = e % (n * n);
      prod[2 * e] = ours[2 * e] * spec[2 * k] - ours[2 * e + 1] * spec[2 * k + 1];
      prod[2 * e + 1] = ours[2 * e] * spec[2 * k + 1] + ours[2 * e + 1] * spec[2 * k];
    }
    // A product of float32 values, each part a difference of two products: a few ε of the terms' size.
    const big = maxAbs(ours) * maxAbs(spec);
    const prodOurs = await g.expectF32(a, prod, { atol: 4 * EPS32 * big, rtol: 0 }, `spectrum product ${n}×${n}`);
    fft2d(rt, n, slabs, a, b, true, used);
    const iref = dft2d(prodOurs, slabs, n, true);
    if (used === n) {
      await g.expectF32(a, iref, fftTol(iref, n * n), `inverse 2-D FFT ${n}×${n} ×${slabs}`);
      return;
    }
    const inv = await rt.readF32(a, count);
    const kept = (v: ArrayLike<number>) => Array.from(v).filter((_, i) => Math.floor(i / (2 * n)) % n < used);
    expectClose(kept(inv), kept(iref), fftTol(iref, n * n), `inverse 2-D FFT ${n}×${n} ×${slabs}, its first ${used} rows`);
  };

// ---- the interpolation kernels -------------------------------------------------------------------

const f32 = Math.fround;

/** Random points spread like a small t-SNE map: a few Gaussian-ish blobs in about ±3. */
function mapPoints(n: number, seed: string): Float32Array {
  const u = randomArray(2 * n, seed);
  const c = randomArray(8, `${seed}c`, -2, 2);
  return u.map((v, e) => f32(c[2 * (Math.floor(e / 2) % 4) + (e % 2)] + v));
}

/** The grid read back from the GPU as the reference's grid (so that boxes and weights agree). */
async function gridBack(rt: Runtime, buf: GPUBuffer, boxes: number): Promise<GridRef> {
  const [x0, width, centre] = await rt.readF32(buf, 3);
  return { x0, width, centre, boxes };
}

/** A point's box as the shader computes it, in float32 arithmetic. */
function boxF32(y: Float32Array, i: number, gr: GridRef): number {
  const c = (v: number) => Math.min(Math.max(Math.floor(f32(f32(v - gr.x0) / gr.width)), 0), gr.boxes - 1);
  return c(y[2 * i + 1]) * gr.boxes + c(y[2 * i]);
}

/** bounds, then the counting sort by box: counts, starts and each box's points in index order. */
async function binCase(rt: Runtime, g: Guarded, [n, boxes, widthScale = 0]: number[]): Promise<void> {
  const grid: InterpGrid = gridOf(boxes);
  const y = mapPoints(n, `bn${n}:${boxes}`);
  const yb = g.input(y);
  const b2 = boxes * boxes;
  const bufs = { grid: g.output(4), boxOf: g.outputU32(n), counts: g.outputU32(b2), start: g.outputU32(b2 + 1), order: g.outputU32(n) };
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of y) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (n === 0) [lo, hi] = [0, 0];
  const ext = Math.max(hi - lo, 1e-20);
  // widthScale > 0: a width fixed by the host, that much wider than the map's (or narrower: then the map's is used).
  const fixed = widthScale > 0 ? f32((ext / boxes) * widthScale) : 0;
  boundsInto(rt, yb, n, grid, bufs.grid, fixed);
  binPointsInto(rt, yb, n, grid, bufs as never);
  const width = fixed >= f32(ext / boxes) ? fixed : ext / boxes; // a fixed width too small for the map is not used
  const centre = lo + ext / 2;
  // Float32 roundings of the extent (and of lo + extent / 2, which may be near 0): ε of the coordinates' size.
  const gv = await g.expectF32(bufs.grid, [centre - (boxes * width) / 2, width, centre, ext], { atol: 4 * EPS32 * Math.max(Math.abs(lo), Math.abs(hi)), rtol: 3 * EPS32 }, 'grid (x0, width, centre, extent)');
  const gr: GridRef = { x0: gv[0], width: gv[1], centre: gv[2], boxes };
  const box = Array.from({ length: n }, (_, i) => boxF32(y, i, gr));
  const counts = new Array<number>(b2).fill(0);
  for (const bx of box) counts[bx]++;
  const start = [0];
  for (const c of counts) start.push(start[start.length - 1] + c);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => box[i] - box[j] || i - j);
  await g.expectU32(bufs.boxOf, box, 'box of each point');
  await g.expectU32(bufs.counts, counts, 'points per box (the cursors after placing)');
  await g.expectU32(bufs.start, start, 'first slot of each box');
  await g.expectU32(bufs.order, order, 'points by box, in index order');
}

/** The spread's node grid [2, N, N] against spreadRef (on the GPU's own grid), zeros in the padding. */
async function spreadCase(rt: Runtime, g: Guarded, [n, boxes]: number[]): Promise<void> {
  const grid = gridOf(boxes);
  const y = mapPoints(n, `sp${n}:${boxes}`);
  const yb = g.input(y);
  const b = acquireInterpBuffers(rt, n, grid);
  try {
    const nn = grid.fftN * grid.fftN;
    const w = g.output(4 * nn);
    const garbage = randomArray(4 * nn, `sg${boxes}`);
    const other = g.output(4 * nn, garbage);
    boundsInto(rt, yb, n, grid, b.grid);
    binPointsInto(rt, yb, n, grid, b);
    spreadInto(rt, yb, n, grid, { ...b, w, tmp: other });
    const gr = await gridBack(rt, b.grid, boxes);
    const m = boxes * NODES;
    const ref = spreadRef(y, n, gr);
    const want = new Float64Array(4 * nn);
    let scale = 1;
    for (let c = 0; c < 4; c++)
      for (let r = 0; r < m; r++)
        for (let col = 0; col < m; col++) {
          const v = ref[c * m * m + r * m + col];
          want[(c >> 1) * 2 * nn + 2 * (r * grid.fftN + col) + (c & 1)] = v;
          scale = Math.max(scale, Math.abs(v));
        }
    // Sums of a box's points (dozens here) of weights within [−0.2, 1.1] times charges ≤ scale.
    await g.expectF32(w, want, { atol: 1e-5 * scale, rtol: 1e-5 }, `spread n=${n} B=${boxes}`);
    // The FFT's other buffer: rows ≥ m zeroed, the rest untouched.
    await g.expectF32(other, garbage.map((v, i) => (Math.floor(i / (2 * grid.fftN)) % grid.fftN >= m ? 0 : v)), { atol: 0, rtol: 0 }, 'rows ≥ m of the other buffer');
  } finally {
    releaseInterpBuffers(rt, b);
  }
}

/** The kernel on the node offsets, for both powers, wrapped for circular convolution. */
async function kernelCase(rt: Runtime, g: Guarded, [boxes]: number[]): Promise<void> {
  const grid = gridOf(boxes);
  const width = 0.37;
  const gb = g.input([-1.5, width, 0.2, 0]);
  const N = grid.fftN;
  const m = boxes * NODES;
  const h = f32(width) / NODES;
  for (const power of [1, 2]) {
    const out = g.output(2 * N * N);
    kernelGridInto(rt, grid, gb, out, power);
    const ref = new Float64Array(2 * N * N);
    for (let b = 0; b < N; b++)
      for (let a = 0; a < N; a++) {
        const [i, j] = [a < m ? a : a - N, b < m ? b : b - N];
        if (Math.abs(i) < m && Math.abs(j) < m) ref[2 * (b * N + a)] = kernel(h * h * (i * i + j * j), power);
      }
    await g.expectF32(out, ref, { atol: 1e-7, rtol: 1e-5 }, `kernel (1 + d²)^−${power}, B=${boxes}`);
  }
}

/** gather from random node potentials, and the combination into R and Σ_j w_ij, on host-made boxes. */
async function gatherCase(rt: Runtime, g: Guarded, [n, boxes]: number[]): Promise<void> {
  const grid = gridOf(boxes);
  const y = mapPoints(n, `ga${n}:${boxes}`);
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of y) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const ext = f32(Math.max(hi - lo, 1e-20));
  const gr: GridRef = { x0: lo, width: f32(ext / boxes), centre: f32(lo + ext / 2), boxes };
  const gb = g.input([gr.x0, gr.width, gr.centre, 0]);
  const N = grid.fftN;
  const pot = randomArray(4 * N * N, `gp${boxes}`, 0, 2);
  const box = Array.from({ length: n }, (_, i) => boxF32(y, i, gr));
  const yb = g.input(y);
  const phi = g.output(4 * n);
  gatherInto(rt, yb, n, grid, { grid: gb, boxOf: g.inputU32(box), w: g.input(pot), phi } as never);
  // The reference's node grid [4, m, m] from the complex [2, N, N].
  const m = boxes * NODES;
  const nodes = new Float64Array(4 * m * m);
  for (let c = 0; c < 4; c++) for (let r = 0; r < m; r++) for (let col = 0; col < m; col++) nodes[c * m * m + r * m + col] = pot[(c >> 1) * 2 * N * N + 2 * (r * N + col) + (c & 1)];
  for (let i = 0; i < n; i++) expectBoxAgrees(y, i, gr, box[i]);
  const phiOurs = await g.expectF32(phi, gatherRef(y, n, gr, nodes), { atol: 1e-5, rtol: 1e-5 }, `gather n=${n} B=${boxes}`);
  const [rep, zrow] = [g.output(2 * n), g.output(n)];
  combineInto(rt, yb, n, grid, gb, g.input(phiOurs), rep, zrow);
  const ref = combineRef(y, n, gr, phiOurs);
  // Random potentials: no cancellation is spared, so the bound follows the terms' size (|y'|² φ ≈ 40).
  await g.expectF32(rep, ref.rep, { atol: 1e-5, rtol: 1e-5 }, 'R from φ');
  await g.expectF32(zrow, ref.zrow, { atol: 1e-4, rtol: 1e-5 }, 'Σ_j w_ij from φ');
}

/** The float64 box of the reference agrees with the float32 one (else the point sits on an edge: skip the data set). */
function expectBoxAgrees(y: Float32Array, i: number, gr: GridRef, box: number): void {
  const [cx, cy] = [cellOf(y[2 * i], gr), cellOf(y[2 * i + 1], gr)];
  expectClose([cy.box * gr.boxes + cx.box], [box], { atol: 0, rtol: 0 }, `box of point ${i}`);
}

export const FFT_OPS: OpEntry[] = [
  {
    name: 'FFT: batched 1-D rows in one dispatch (N = N1·N2, sub-DFTs in registers, one exchange through workgroup memory), forward and inverse',
    kernels: LINE_NS.map((n) => `fft.fft_rows_${n}` as const),
    odd: [
      [4, 3],
      [8, 5],
      [16, 7],
      [32, 3],
      [64, 3],
      [128, 3],
      [256, 5],
      [512, 3],
      [1024, 3],
      [2048, 3],
    ],
    edge: [
      [4, 1],
      [8, 1],
      [16, 65],
      [64, 1],
      [256, 1],
      [2048, 1],
    ],
    check: fft1dCase(fftInto),
    grad: { none: 'a linear map inside the t-SNE repulsion, not differentiated' },
  },
  {
    name: 'FFT: batched 1-D columns of [N, N] slabs in one dispatch (column pairs), forward and inverse, the other columns untouched',
    kernels: LINE_NS.map((n) => `fft.fft_cols_${n}` as const),
    odd: [
      [4, 3, 4],
      [8, 3, 2],
      [16, 1, 16],
      [32, 3, 6],
      [64, 1, 14],
      [128, 3, 2],
      [256, 1, 10],
      [512, 3, 2],
      [1024, 1, 4],
      [2048, 1, 2],
    ],
    edge: [
      [4, 1, 2],
      [8, 1, 8],
      [16, 3, 2],
      [64, 1, 64],
      [2048, 1, 2],
    ],
    check: fftColsCase,
    grad: { none: 'a linear map inside the t-SNE repulsion, not differentiated' },
  },
  {
    name: 'FFT: batched 1-D Stockham passes (radix 4, a radix-2 pass when log2 N is odd; N = 2 and N > 2048), forward and inverse',
    kernels: ['fft.stockham_r4', 'fft.stockham_r2'],
    odd: [
      [1, 3],
      [2, 5],
      [4, 3],
      [8, 3],
      [16, 7],
      [64, 3],
      [256, 3],
      [1024, 2],
      [4096, 2],
    ],
    edge: [
      [1, 1],
      [2, 1],
      [8, 1],
      [32, 65],
      [128, 1],
    ],
    check: fft1dCase(fftPassesInto),
    grad: { none: 'a linear map inside the t-SNE repulsion, not differentiated' },
  },
  {
    name: 'FFT: 2-D in two dispatches (rows, then columns; pruned to the rows in use) and the spectrum product',
    kernels: ['fft.mul_spectrum', ...([4, 8, 32, 64, 256, 512] as const).flatMap((n) => [`fft.fft_rows_${n}`, `fft.fft_cols_${n}`] as const)],
    odd: [
      [8, 2],
      [32, 3],
      [64, 1],
      [256, 1],
      [4, 3, 3],
      [32, 2, 15],
      [256, 2, 99],
      [512, 1, 255],
    ],
    edge: [
      [4, 1],
      [8, 3],
      [8, 1, 1],
      [16, 2, 7],
      [32, 1, 2],
    ],
    check: fft2dCase(fft2dInto),
    grad: { none: 'a linear map inside the t-SNE repulsion, not differentiated' },
  },
  {
    name: 'FFT: 2-D by passes (row passes, then strided column passes; pruned to the rows in use) and the spectrum product',
    kernels: ['fft.stockham_r4', 'fft.stockham_r2', 'fft.mul_spectrum'],
    odd: [
      [8, 2],
      [32, 3],
      [64, 1],
      [256, 1],
      [32, 2, 15],
      [256, 2, 99],
      [128, 1, 63],
    ],
    edge: [
      [1, 1],
      [2, 3],
      [4, 1],
      [16, 1],
      [8, 1, 1],
      [16, 2, 7],
    ],
    check: fft2dCase(fft2dPassesInto),
    grad: { none: 'a linear map inside the t-SNE repulsion, not differentiated' },
  },
  {
    name: 'FIt-SNE grid: the bounding box and the counting sort of the points by box',
    kernels: ['tsne_interp.bounds', 'tsne_interp.bin_clear', 'tsne_interp.bin_count', 'tsne_interp.bin_scan', 'tsne_interp.bin_place', 'tsne_interp.bin_sort'],
    odd: [
      [7, 3],
      [100, 5],
      [1000, 11],
      [257, 23],
      [301, 9, 1.3],
      [301, 9, 0.8],
    ],
    edge: [
      [0, 2],
      [1, 1],
      [2, 2],
      [65, 4],
      [300, 1],
    ],
    check: binCase,
    grad: { none: 'a sort' },
  },
  {
    name: 'FIt-SNE spread: Lagrange-weighted charges (1, y′, |y′|²) onto the 3 × 3 nodes of each box, zero-padded',
    kernels: ['tsne_interp.spread'],
    odd: [
      [7, 3],
      [100, 5],
      [1000, 11],
    ],
    edge: [
      [1, 1],
      [2, 2],
      [65, 4],
    ],
    check: spreadCase,
    grad: { none: 'inside the t-SNE repulsion, whose gradient is the force itself' },
  },
  {
    name: 'FIt-SNE kernels (1 + d²)⁻¹ and (1 + d²)⁻² at the node offsets, laid out for circular convolution',
    kernels: ['tsne_interp.kernel_grid'],
    odd: [[3], [7], [11]],
    edge: [[1], [2], [5]],
    check: kernelCase,
    grad: { none: 'a constant of each iteration' },
  },
  {
    name: 'FIt-SNE gather (potentials back to the points) and the repulsion R and Σ_j w_ij from them',
    kernels: ['tsne_interp.gather', 'tsne_interp.repulsion'],
    odd: [
      [7, 3],
      [100, 5],
      [1000, 11],
    ],
    edge: [
      [1, 1],
      [65, 2],
      [257, 4],
    ],
    check: gatherCase,
    grad: { none: 'inside the t-SNE repulsion, whose gradient is the force itself' },
  },
];
