// t-SNE with a sparse P and the repulsion by FFT-accelerated interpolation (FIt-SNE: Linderman
// et al., Nature Methods 2019): P on each point's k = 3 × perplexity exact nearest neighbours
// (sparse-p.ts), the attraction exactly over P's non-zeros (shaders/tsne_sparse.wgsl), the
// repulsion and Z interpolated on a node grid and convolved by FFT (interpolation.ts). Per
// iteration O(nnz + n + N² log N) instead of the exact method's O(n²).
import { defineFamily, grid1d } from '../gpu/registry.js';
import type { Runtime } from '../gpu/runtime.js';
import { sumInto, type Forces } from './family.js';
import { acquireInterpBuffers, chooseGrid, MAX_FFT_N, MIN_INTERVALS, releaseInterpBuffers, repulsionInto, type InterpBuffers, type InterpGrid } from './interpolation.js';
import type { CsrMatrix } from './sparse-p.js';

/** shaders/tsne_sparse.wgsl. */
export const sparseFamily = defineFamily(
  'tsne_sparse',
  {
    attraction: ['uniform', 'read', 'read', 'read', 'read', 'read', 'rw'],
    kl_rows: ['uniform', 'read', 'read', 'read', 'read', 'read', 'rw'],
  },
  { n: 'u32', pad0: 'u32', pad1: 'u32', pad2: 'u32' },
);

const K = sparseFamily.kernels;

/** The sparse method's gradient: A over P's non-zeros, R and Z by interpolation on a grid re-chosen from the map's extent. */
export class SparseForces implements Forces {
  readonly n: number;
  readonly y: GPUBuffer;
  readonly force: GPUBuffer;
  readonly rep: GPUBuffer;
  readonly zrow: GPUBuffer;
  readonly z: GPUBuffer;
  readonly klRows: GPUBuffer;
  readonly kl: GPUBuffer;
  readonly rowPtr: GPUBuffer;
  readonly col: GPUBuffer;
  readonly val: GPUBuffer;
  private g: InterpGrid;
  private b: InterpBuffers;
  /** The interval width the host fixed, 0 while the map grows fast (the GPU then fits it every iteration). */
  private width = 0;
  /** The width b.kernel's spectrum was computed for (NaN: none yet, or new buffers). */
  private kernelWidth = NaN;
  /** The extent at the last follow(). */
  private lastExtent = NaN;

  constructor(
    private rt: Runtime,
    p: CsrMatrix,
    y0: Float32Array,
    extent: number,
    /** The largest FFT side the grid may take (interpolation.ts MAX_FFT_N by default). */
    private maxFftN = MAX_FFT_N,
  ) {
    const n = (this.n = p.n);
    const nnz = p.col.length;
    this.y = rt.acquire(n * 8);
    this.force = rt.acquire(n * 16);
    this.rep = rt.acquire(n * 8);
    this.zrow = rt.acquire(n * 4);
    this.z = rt.acquire(4);
    this.klRows = rt.acquire(n * 4);
    this.kl = rt.acquire(4);
    this.rowPtr = rt.acquire((n + 1) * 4);
    this.col = rt.acquire(Math.max(1, nnz) * 4);
    this.val = rt.acquire(Math.max(1, nnz) * 4);
    rt.write(this.y, y0);
    rt.write(this.rowPtr, p.rowPtr);
    rt.write(this.col, p.col);
    rt.write(this.val, p.val);
    this.g = chooseGrid(extent, MIN_INTERVALS, maxFftN);
    this.b = acquireInterpBuffers(rt, n, this.g);
  }

  /** The interpolation grid in use. */
  get grid(): InterpGrid {
    return this.g;
  }

  /** [4] f32 (x0, width, centre, extent) of the map at the last compute(). */
  get box(): GPUBuffer {
    return this.b.grid;
  }

  /**
   * The grid for a map whose coordinates span `extent` (read back a few iterations late): B and N
   * from the extent (chooseGrid); and while the map grows less than 2 % between two reads, a fixed
   * interval width with 3 % to spare, kept until the map outgrows it or shrinks 10 % inside it, so
   * that the kernel's spectrum is computed again only then. Growing faster (early exaggeration), the
   * GPU fits the grid to the map every iteration, and always while `mayFix` is false (the caller's
   * schedule is about to change the map's pace: the end of early exaggeration). A map that outgrows
   * a fixed width is fitted anyway (tsne_interp.wgsl `bounds`).
   */
  follow(extent: number, mayFix = true): void {
    const prev = this.lastExtent;
    this.lastExtent = extent;
    const g = chooseGrid(extent, MIN_INTERVALS, this.maxFftN);
    if (g.boxes !== this.g.boxes || g.fftN !== this.g.fftN) {
      releaseInterpBuffers(this.rt, this.b);
      this.g = g;
      this.b = acquireInterpBuffers(this.rt, this.n, g);
      this.kernelWidth = NaN;
    }
    const steady = mayFix && prev > 0 && Math.abs(extent / prev - 1) < 0.02;
    if (!steady) {
      this.width = 0;
      return;
    }
    const cover = this.width * g.boxes;
    if (this.width > 0 && extent <= cover && extent >= 0.9 * cover) return;
    this.width = (1.03 * extent) / g.boxes;
  }

  compute(): void {
    repulsionInto(this.rt, this.y, this.n, this.g, this.rep, this.z, this.b, this.zrow, { width: this.width, kernelReady: this.kernelWidth === this.width });
    this.kernelWidth = this.width > 0 ? this.width : NaN;
    this.rt.dispatch(K.attraction, [sparseFamily.params({ n: this.n }), this.rowPtr, this.col, this.val, this.y, this.rep, this.force], grid1d(this.n));
  }

  klDivergence(): void {
    this.rt.dispatch(K.kl_rows, [sparseFamily.params({ n: this.n }), this.rowPtr, this.col, this.val, this.y, this.z, this.klRows], grid1d(this.n));
    sumInto(this.rt, this.klRows, this.n, this.kl);
  }

  release(): void {
    releaseInterpBuffers(this.rt, this.b);
    for (const buf of [this.y, this.force, this.rep, this.zrow, this.z, this.klRows, this.kl, this.rowPtr, this.col, this.val]) this.rt.release(buf);
  }
}
