// The t-SNE repulsion by FFT-accelerated interpolation (FIt-SNE: Linderman et al., Nature Methods
// 2019), on shaders/tsne_interp.wgsl and the FFT of fft.ts: the fft method's repulsion and Z
// (sparse.ts calls repulsionInto every iteration), tested one by one and as a whole against the
// exact O(n²) sums.
//
// How one repulsion step assembles (repulsionInto below does exactly this, in one command buffer,
// nothing read back):
//   1. bounds       the map's square bounding box → grid (x0, width, centre) in a GPU buffer;
//   2. kernel_grid  (1 + d²)⁻² at the node offsets, laid out for circular convolution, then its
//                   2-D FFT: the spectrum K̂ (once per iteration, since h follows the map's extent);
//   3. bin_clear, bin_count, bin_scan, bin_place, bin_sort   the points sorted by box;
//   4. spread       the charges (1, y', |y'|²) onto the m × m nodes, zero-padded to N × N, as two
//                   complex grids; then the 2-D FFT, ⊙ K̂ (mul_spectrum), the inverse 2-D FFT
//                   (both pruned: no row transforms of the zero rows, none of the rows not kept);
//   5. gather       each point's four potentials from its box's 3 × 3 nodes;
//   6. repulsion    R_i = Σ_j w_ij² (y_i − y_j) and the row sums Σ_{j≠i} w_ij; Z = their sum
//                   (tsne.ts's sumInto). The gradient is then 4 (A_i − R_i / Z) as today, with A_i
//                   over the sparse P's non-zeros.
// The four charges with the squared kernel alone (as tsne-cuda and FIt-SNE's earlier 2-D code; its
// current code spreads (y, 1) with (1 + d²)⁻² for R and 1 with (1 + d²)⁻¹ for Z, kernel_grid's
// power 1) give R and Z from one spectrum; y' = y − the grid's centre keeps Z's cancellation small.
// In tsne() (sparse.ts): steps 1–6 give the repulsive half of each iteration's gradient; the grid
// size (B, N) is a host decision, re-chosen from the map's extent read back every 10 iterations
// (the map grows slowly; the kernels read the exact box from the GPU buffer, so a stale B only
// changes the accuracy a little, never the correctness). While the map grows slowly the host also
// fixes the interval width, so that step 2's spectrum is computed only when it changes.
//
// The choice of B (intervals per dimension): FIt-SNE takes max(min_num_intervals = 50,
// extent / intervals_per_integer = 1) with n_interpolation_points p = 3, then rounds up to a size
// FFTW likes. Our FFT wants N a power of two with N ≥ 2·B·p − 1, so chooseGrid takes FIt-SNE's B,
// the smallest such N, and then the largest B that N still holds: the FFT costs the same, and
// more intervals only make the interpolation finer (B = 50 → N = 512, B = 85; extent 100 →
// N = 1024, B = 170; N stops at MAX_FFT_N = 2048, B = 341, for one 128 MiB binding). The error
// follows the node spacing h = extent / 3B: measured ≈ 1.2·h³ relative for R, ≈ 0.3·h³ for Z
// (test/fft-repulsion.test.ts), so h = 0.22 at extent 111 gives ~1e-2 on R, and FIt-SNE's own
// B (h ≤ 1/3) would give up to ~4e-2; a finer B costs only FFT time (N² log N).
import { defineFamily, grid1d } from '../gpu/registry.js';
import type { Runtime } from '../gpu/runtime.js';
import { fft2dInto, mulSpectrumInto } from './fft.js';
import { sumInto } from './family.js';

/** shaders/tsne_interp.wgsl. */
export const interpFamily = defineFamily(
  'tsne_interp',
  {
    bounds: ['uniform', 'read', 'rw'],
    bin_clear: ['uniform', 'rw'],
    bin_count: ['uniform', 'read', 'read', 'rw', 'rw'],
    bin_scan: ['uniform', 'rw', 'rw'],
    bin_place: ['uniform', 'read', 'read', 'rw', 'rw'],
    bin_sort: ['uniform', 'read', 'rw'],
    spread: ['uniform', 'read', 'read', 'read', 'read', 'rw', 'rw'],
    kernel_grid: ['uniform', 'read', 'rw'],
    gather: ['uniform', 'read', 'read', 'read', 'read', 'rw'],
    repulsion: ['uniform', 'read', 'read', 'read', 'rw', 'rw'],
  },
  { n: 'u32', boxes: 'u32', fft_n: 'u32', power: 'u32', width: 'f32' },
);

const K = interpFamily.kernels;

/** p: interpolation nodes per interval and dimension (FIt-SNE's n_interpolation_points). */
export const NODES = 3;
/** FIt-SNE's min_num_intervals and intervals_per_integer. */
export const MIN_INTERVALS = 50;
export const INTERVALS_PER_INTEGER = 1;

/** The node grid: B intervals per dimension and the padded FFT side N (a power of two ≥ 2·B·p − 1). */
export interface InterpGrid {
  boxes: number;
  fftN: number;
}

/**
 * The FFT side past which [2, N, N] complex grids outgrow a 128 MiB binding (the common limit,
 * lavapipe's included): 2·2048²·8 bytes = 64 MiB.
 */
export const MAX_FFT_N = 2048;

/**
 * The grid for a map whose coordinates span `extent` (max − min over both): see the header. Past
 * MAX_FFT_N (extents over ~340) B stops growing and h = extent / 3B with it.
 */
export function chooseGrid(extent: number, minIntervals = MIN_INTERVALS, maxFftN = MAX_FFT_N): InterpGrid {
  const want = Math.max(minIntervals, Math.ceil(extent / INTERVALS_PER_INTEGER), 1);
  const fftN = Math.min(maxFftN, 2 ** Math.ceil(Math.log2(2 * want * NODES - 1)));
  return { boxes: Math.floor((fftN + 1) / (2 * NODES)), fftN };
}

/** A grid of exactly `boxes` intervals (tests, other accuracies): the smallest N that holds it. */
export function gridOf(boxes: number): InterpGrid {
  return { boxes, fftN: 2 ** Math.ceil(Math.log2(Math.max(2, 2 * boxes * NODES - 1))) };
}

const params = (n: number, g: InterpGrid, power = 2, width = 0) => interpFamily.params({ n, boxes: g.boxes, fft_n: g.fftN, power, width });

/** Scratch of one repulsion evaluation: sizes follow (n, grid). */
export interface InterpBuffers {
  /** [4] f32: x0, width, centre, the map's extent. */
  grid: GPUBuffer;
  /** [n] u32, [B²] u32, [B² + 1] u32, [n] u32: the counting sort. */
  boxOf: GPUBuffer;
  counts: GPUBuffer;
  start: GPUBuffer;
  order: GPUBuffer;
  /** [2, N, N] complex: charges, then potentials; [2, N, N] the FFT's other buffer; [N, N] the kernel, then K̂. */
  w: GPUBuffer;
  tmp: GPUBuffer;
  kernel: GPUBuffer;
  /** [n, 4] φ per point. */
  phi: GPUBuffer;
}

/** Pooled scratch for n points on grid g (release with releaseInterpBuffers). */
export function acquireInterpBuffers(rt: Runtime, n: number, g: InterpGrid): InterpBuffers {
  const b2 = g.boxes * g.boxes;
  const nn = g.fftN * g.fftN;
  return {
    grid: rt.acquire(16),
    boxOf: rt.acquire(Math.max(1, n) * 4),
    counts: rt.acquire(b2 * 4),
    start: rt.acquire((b2 + 1) * 4),
    order: rt.acquire(Math.max(1, n) * 4),
    w: rt.acquire(2 * nn * 8),
    tmp: rt.acquire(2 * nn * 8),
    kernel: rt.acquire(nn * 8),
    phi: rt.acquire(Math.max(1, n) * 16),
  };
}

export function releaseInterpBuffers(rt: Runtime, b: InterpBuffers): void {
  for (const buf of Object.values(b)) rt.release(buf);
}

/**
 * Step 1: the grid of the map y ([n, 2]) into `grid`: the map's square bounding box cut into B
 * intervals, or B intervals of `width` centred on the map where they hold it.
 */
export function boundsInto(rt: Runtime, y: GPUBuffer, n: number, g: InterpGrid, grid: GPUBuffer, width = 0): void {
  rt.dispatch(K.bounds, [params(n, g, 2, width), y, grid], [1]);
}

/** Step 2: K = (1 + d²)^−power at the node offsets into `kernel` ([N, N] complex), and with `spectrum` its 2-D FFT in place. */
export function kernelGridInto(rt: Runtime, g: InterpGrid, grid: GPUBuffer, kernel: GPUBuffer, power = 2, spectrumVia?: GPUBuffer): void {
  rt.dispatch(K.kernel_grid, [params(0, g, power), grid, kernel], grid1d(g.fftN * g.fftN));
  if (spectrumVia) fft2dInto(rt, g.fftN, 1, kernel, spectrumVia);
}

/** Step 3: the points sorted by box (b.boxOf, b.start, b.order), needs b.grid. */
export function binPointsInto(rt: Runtime, y: GPUBuffer, n: number, g: InterpGrid, b: InterpBuffers): void {
  const u = params(n, g);
  const b2 = g.boxes * g.boxes;
  rt.dispatch(K.bin_clear, [u, b.counts], grid1d(b2));
  rt.dispatch(K.bin_count, [u, y, b.grid, b.boxOf, b.counts], grid1d(n));
  rt.dispatch(K.bin_scan, [u, b.counts, b.start], [1]);
  rt.dispatch(K.bin_place, [u, b.boxOf, b.start, b.counts, b.order], grid1d(n));
  rt.dispatch(K.bin_sort, [u, b.start, b.order], grid1d(b2));
}

/** Step 4's spread: the charges on the zero-padded node grid, b.w ([2, N, N] complex); rows ≥ m of b.tmp zeroed (for the pruned FFT). */
export function spreadInto(rt: Runtime, y: GPUBuffer, n: number, g: InterpGrid, b: InterpBuffers): void {
  rt.dispatch(K.spread, [params(n, g), y, b.grid, b.start, b.order, b.w, b.tmp], grid1d(g.fftN * g.fftN));
}

/**
 * Step 4's convolution: b.w ← IFFT(FFT(b.w) ⊙ K̂), K̂ in b.kernel; valid on the m × m nodes only.
 * The FFTs skip the zero rows (forward) and the rows past the nodes (inverse): 3 of the 4 units
 * of work of the two full 2-D transforms (m ≈ N/2).
 */
export function convolveInto(rt: Runtime, g: InterpGrid, b: InterpBuffers): void {
  const m = g.boxes * NODES;
  fft2dInto(rt, g.fftN, 2, b.w, b.tmp, false, m);
  mulSpectrumInto(rt, b.kernel, b.w, g.fftN * g.fftN, 2);
  fft2dInto(rt, g.fftN, 2, b.w, b.tmp, true, m);
}

/** Step 5: φ ([n, 4]) at the points from the potentials in b.w. */
export function gatherInto(rt: Runtime, y: GPUBuffer, n: number, g: InterpGrid, b: InterpBuffers): void {
  rt.dispatch(K.gather, [params(n, g), y, b.grid, b.boxOf, b.w, b.phi], grid1d(n));
}

/** Step 6: R ([n, 2]) and Σ_{j≠i} w_ij ([n]) from φ. */
export function combineInto(rt: Runtime, y: GPUBuffer, n: number, g: InterpGrid, grid: GPUBuffer, phi: GPUBuffer, rep: GPUBuffer, zrow: GPUBuffer): void {
  rt.dispatch(K.repulsion, [params(n, g), y, grid, phi, rep, zrow], grid1d(n));
}

/** How one repulsion evaluation places its grid. */
export interface RepulsionGrid {
  /** The interval width, fixed by the caller (0, the default: the map's extent / B, found on the GPU). */
  width?: number;
  /** b.kernel already holds the spectrum for this width (computed by an earlier call with the same width and grid). */
  kernelReady?: boolean;
}

/**
 * One repulsion evaluation of the map y ([n, 2] on the GPU) on grid g: R_i = Σ_{j≠i} w_ij² (y_i − y_j)
 * into `rep` ([n, 2]) and Z = Σ_{i≠j} w_ij into `z` ([1]), w_ij = (1 + ‖y_i − y_j‖²)⁻¹, approximated
 * by interpolation on p = 3 nodes per interval (see the header for the steps). A fixed width lets
 * the kernel's spectrum (a quarter of the work at N = 512) be reused while the width stays.
 */
export function repulsionInto(rt: Runtime, y: GPUBuffer, n: number, g: InterpGrid, rep: GPUBuffer, z: GPUBuffer, b: InterpBuffers, zrow: GPUBuffer, o: RepulsionGrid = {}): void {
  const width = o.width ?? 0;
  boundsInto(rt, y, n, g, b.grid, width);
  if (!(width > 0 && o.kernelReady)) kernelGridInto(rt, g, b.grid, b.kernel, 2, b.tmp);
  binPointsInto(rt, y, n, g, b);
  spreadInto(rt, y, n, g, b);
  convolveInto(rt, g, b);
  gatherInto(rt, y, n, g, b);
  combineInto(rt, y, n, g, b.grid, b.phi, rep, zrow);
  sumInto(rt, zrow, n, z);
}
