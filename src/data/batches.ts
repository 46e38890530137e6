// Minibatches on the GPU: the data set is uploaded once (upload.ts, in chunks of rows where it
// exceeds one binding); a batch is either a contiguous row range (copied) or rows gathered through
// the epoch's permutation (one upload per epoch).
import { kernels, params } from '../gpu/kernels.js';
import type { Runtime } from '../gpu/runtime.js';
import { type ChunkedRows, empty, type Tensor } from '../tensor/index.js';

const GATHER = kernels.gather.gather_rows;

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
