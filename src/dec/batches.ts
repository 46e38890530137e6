// Minibatches on the GPU: the data set is uploaded once; a batch is either a contiguous row range
// (copied) or rows gathered through the epoch's permutation (one upload per epoch).
import { ShapeError } from '../gpu/errors.js';
import { Uniform, type Kernel, type Runtime } from '../gpu/runtime.js';
import { empty, keep, type Tensor } from '../tensor/index.js';
import type { Dataset } from '../data/dataset.js';

const GATHER: Kernel = { file: 'gather', entry: 'gather_rows', bindings: ['uniform', 'read', 'read', 'rw'] };

/** The data set's rows on the GPU as one [n, d] tensor. */
export function upload(rt: Runtime, ds: Dataset): Tensor {
  const bytes = ds.n * ds.d * 4;
  const limit = rt.device.limits.maxStorageBufferBindingSize;
  if (bytes > limit) {
    throw new ShapeError('upload', [ds.n, ds.d], [Math.floor(limit / 4 / ds.d), ds.d], `data set of ${(bytes / 2 ** 20).toFixed(0)} MiB exceeds the adapter's ${(limit / 2 ** 20).toFixed(0)} MiB binding limit; use --n to take a subset`);
  }
  const t = keep(empty(rt, ds.n, ds.d));
  rt.write(t.buffer, ds.x);
  return t;
}

/** Rows [start, start + rows) of x as a new tensor (a GPU copy). */
export function rowSlice(x: Tensor, start: number, rows: number): Tensor {
  const out = empty(x.rt, rows, x.cols);
  x.rt.copy(x.buffer, out.buffer, rows * x.cols * 4, start * x.cols * 4, 0);
  return out;
}

/** Writes rows of `src` into `dst` at row `at` (a GPU copy). */
export function copyRowsInto(src: Tensor, dst: Tensor, at: number): void {
  src.rt.copy(src.buffer, dst.buffer, src.size * 4, 0, at * dst.cols * 4);
}

/** Shuffled minibatches: batch b of the epoch holds rows perm[b·size … ]. */
export class ShuffledBatches {
  private index: GPUBuffer;
  constructor(
    private rt: Runtime,
    private x: Tensor,
  ) {
    this.index = rt.acquire(x.rows * 4);
  }
  /** Uploads the next epoch's permutation (flushes first: earlier batches keep theirs). */
  setPermutation(perm: Uint32Array): void {
    this.rt.flush();
    this.rt.write(this.index, perm);
  }
  batch(start: number, rows: number): Tensor {
    const out = empty(this.rt, rows, this.x.cols);
    const u = new Uniform(4).u32(rows).u32(this.x.cols).u32(start).u32(0);
    this.rt.dispatch(GATHER, [u, this.x.buffer, this.index, out.buffer], [1, rows]);
    return out;
  }
  dispose(): void {
    this.rt.release(this.index);
  }
}
