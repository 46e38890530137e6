// Rows from a file onto the GPU in any order: rows are staged on the host (a block of them, with
// the place each goes to), preprocessed there by convertInPlace (the arithmetic an array gets), and
// written with one scatter_rows per chunk of the destination. Used by the upload of a data set
// (upload.ts) and by the windows of data read from disk for every pass (streamed.ts).
import { kernels, params } from '../gpu/kernels.js';
import type { Runtime } from '../gpu/runtime.js';
import type { ChunkedRows } from '../tensor/index.js';
import { blockBytes } from './load.js';
import { convertInPlace } from './preprocess.js';

const SCATTER = kernels.gather.scatter_rows;
/** Rows per scatter: a dispatch's second grid dimension (at most 65,535 workgroups). */
const MAX_BLOCK_ROWS = 32768;

/** A host block of rows waiting to be scattered into `out`: rows [0, m) of `values`, row i going to row `where[i]`. */
export class RowScatter {
  /** Rows a block holds: blockBytes() of float32, at least one row. */
  readonly perBlock: number;
  readonly values: Float32Array;
  readonly where: Uint32Array;
  m = 0;
  private readonly src: GPUBuffer;
  private readonly dst: GPUBuffer;

  constructor(
    private readonly rt: Runtime,
    private readonly out: ChunkedRows,
    private readonly divisor: number,
    private readonly factor: number,
  ) {
    this.perBlock = Math.max(1, Math.min(MAX_BLOCK_ROWS, Math.floor(blockBytes() / (4 * out.cols))));
    this.values = new Float32Array(this.perBlock * out.cols);
    this.where = new Uint32Array(this.perBlock);
    [this.src, this.dst] = [rt.acquire(this.values.byteLength), rt.acquire(this.where.byteLength)];
  }

  /** Rows the block can still take. */
  get room(): number {
    return this.perBlock - this.m;
  }

  /**
   * Preprocesses the block's rows and records their scatter; the block is empty again. The caller
   * flushes (or syncs) before refilling it: the writes here land before the next submit.
   */
  send(): void {
    const { rt, out, m } = this;
    if (!m) return;
    const d = out.cols;
    const block = this.values.subarray(0, m * d);
    convertInPlace(block, this.divisor, this.factor);
    rt.write(this.src, block);
    rt.write(this.dst, this.where.subarray(0, m));
    out.chunks.forEach((chunk, c) => {
      const u = params('gather', { rows: m, d, offset: 0, chunk_start: c * out.plan.rowsPerChunk, chunk_rows: out.chunkRows(c) });
      rt.dispatch(SCATTER, [u, this.src, this.dst, chunk], [1, m]);
    });
    this.m = 0;
  }

  dispose(): void {
    this.rt.release(this.src);
    this.rt.release(this.dst);
  }
}
