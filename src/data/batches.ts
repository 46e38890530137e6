// Minibatches on the GPU: the data set is uploaded once (in chunks of rows where it exceeds one
// binding); a batch is either a contiguous row range (copied) or rows gathered through the epoch's
// permutation (one upload per epoch).
import { kernels, params } from '../gpu/kernels.js';
import type { Runtime } from '../gpu/runtime.js';
import { ChunkedRows, empty, planRows, type Tensor } from '../tensor/index.js';
import type { Dataset } from './dataset.js';

const GATHER = kernels.gather.gather_rows;

/**
 * The data set's rows on the GPU, chunked to the binding limit. The per-point matrices of a run
 * (z, q, p) share the row layout, so it is planned for the widest: `widest` floats a row.
 */
export function upload(rt: Runtime, ds: Dataset, widest = ds.d): ChunkedRows {
  return ChunkedRows.upload(rt, planRows(rt, ds.n, Math.max(ds.d, widest)), ds.d, ds.x);
}

/** Shuffled minibatches: batch b of the epoch holds rows perm[b·size … ]. */
export class ShuffledBatches {
  private index: GPUBuffer;
  constructor(
    private rt: Runtime,
    private x: ChunkedRows,
  ) {
    this.index = rt.acquire(x.rows * 4);
  }
  /** Uploads the next epoch's permutation (flushes first: earlier batches keep theirs). */
  setPermutation(perm: Uint32Array): void {
    this.rt.flush();
    this.rt.write(this.index, perm);
  }
  /** One gather per chunk, each copying the batch rows that live in it. */
  batch(start: number, rows: number): Tensor {
    const out = empty(this.rt, rows, this.x.cols);
    this.x.chunks.forEach((chunk, c) => {
      const u = params('gather', { rows, d: this.x.cols, offset: start, chunk_start: c * this.x.plan.rowsPerChunk, chunk_rows: this.x.chunkRows(c) });
      this.rt.dispatch(GATHER, [u, chunk, this.index, out.buffer], [1, rows]);
    });
    return out;
  }
  dispose(): void {
    this.rt.release(this.index);
  }
}
