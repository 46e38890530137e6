// Minibatches on the GPU: the data set is uploaded once (upload.ts, in chunks of rows where it
// exceeds one binding) or read a window at a time (streamed.ts); a batch is either a contiguous row
// range (copied) or a range of the epoch's shuffled order: gathered through the permutation (one
// upload per epoch) from resident rows (then unpacked, for packed 8-bit ones), copied window by
// window from out-of-core ones.
import type { Runtime } from '../gpu/runtime.js';
import { permutation } from '../random/rng.js';
import { empty, type ChunkedRows, type PackedRows, type RowSource, type Tensor } from '../tensor/index.js';
import { StreamedRows } from './streamed.js';

/** Shuffled minibatches: batch b of the epoch holds rows order[b·size … ]. */
export class ShuffledBatches {
  private index: GPUBuffer | null = null;
  private order: Uint32Array | null = null;
  constructor(
    private rt: Runtime,
    private x: RowSource,
  ) {
    if (!(x instanceof StreamedRows)) this.index = rt.acquire(x.rows * 4);
  }
  /**
   * The next epoch's order, seeded by `key`: a permutation of all rows, or for out-of-core rows a
   * windowed one (streamed.ts), which reads each window once an epoch.
   */
  setEpoch(key: string): void {
    this.setPermutation(this.x instanceof StreamedRows ? this.x.epochOrder(key) : permutation(this.x.rows, key));
  }
  /** Batches from now on follow `order` (uploaded where the rows are resident; flushes first, so earlier batches keep theirs). */
  setPermutation(order: Uint32Array): void {
    if (!this.index) {
      this.order = order;
      return;
    }
    this.rt.flush();
    this.rt.write(this.index, order);
  }
  batch(start: number, rows: number): Tensor {
    const out = empty(this.rt, rows, this.x.cols);
    const x = this.x;
    if (x instanceof StreamedRows) {
      x.copyOrdered(this.order, start, rows, out.buffer, 0);
      return out;
    }
    (x as ChunkedRows | PackedRows).gather(this.index!, start, rows, out.buffer);
    return out;
  }
  dispose(): void {
    if (this.index) this.rt.release(this.index);
  }
}
