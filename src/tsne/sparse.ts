// t-SNE with a sparse P and the repulsion by FFT-accelerated interpolation (FIt-SNE: Linderman
// et al., Nature Methods 2019): P on each point's k = 3 × perplexity exact nearest neighbours
// (sparse-p.ts), the attraction exactly over P's non-zeros (shaders/tsne_sparse.wgsl), the
// repulsion and Z interpolated on a node grid and convolved by FFT (interpolation.ts). Per
// iteration O(nnz + n + N² log N) instead of the exact method's O(n²).
import { defineFamily, grid1d } from '../gpu/registry.js';
import type { Runtime } from '../gpu/runtime.js';
import { sumInto, type Forces } from './family.js';
import { acquireInterpBuffers, chooseGrid, releaseInterpBuffers, repulsionInto, type InterpBuffers, type InterpGrid } from './interpolation.js';
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

  constructor(
    private rt: Runtime,
    p: CsrMatrix,
    y0: Float32Array,
    extent: number,
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
    this.g = chooseGrid(extent);
    this.b = acquireInterpBuffers(rt, n, this.g);
  }

  /** The interpolation grid in use. */
  get grid(): InterpGrid {
    return this.g;
  }

  /** [4] f32 (x0, width, centre, unused) of the map at the last compute(): the extent is width × grid.boxes. */
  get box(): GPUBuffer {
    return this.b.grid;
  }

  /** Re-chooses the grid for a map whose coordinates span `extent` (the host's view, a few iterations old). */
  fitGrid(extent: number): void {
    const g = chooseGrid(extent);
    if (g.boxes === this.g.boxes && g.fftN === this.g.fftN) return;
    releaseInterpBuffers(this.rt, this.b);
    this.g = g;
    this.b = acquireInterpBuffers(this.rt, this.n, g);
  }

  compute(): void {
    repulsionInto(this.rt, this.y, this.n, this.g, this.rep, this.z, this.b, this.zrow);
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
