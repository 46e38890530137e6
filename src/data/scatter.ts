// Rows from a file onto the GPU in any order: rows are staged on the host (a block of them, with
// the place each goes to), preprocessed there by convertInPlace (the arithmetic an array gets), or
// for 8-bit data packed four values to a word (unpacked on the GPU: src/tensor/packed.ts), and
// written with one scatter_rows per chunk of the destination. Used by the upload of a data set
// (upload.ts) and by the windows of data read from disk for every pass (streamed.ts).
import { gatherFamily } from '../tensor/chunked.js';
import type { Runtime } from '../gpu/runtime.js';
import { ChunkedRows, PackedRows, wordsPerRow, type RowPlan } from '../tensor/index.js';
import type { Dataset } from './dataset.js';
import { blockBytes } from './formats/row-file.js';
import { byteTable, convertInPlace } from './preprocess.js';

const SCATTER = gatherFamily.kernels.scatter_rows;
/** Rows per scatter: a dispatch's second grid dimension (at most 65,535 workgroups). */
const MAX_BLOCK_ROWS = 32768;

/** What a block's rows become on their way: preprocessed float32, or 8-bit values packed into words. */
export type Conversion = { divisor: number; factor: number } | 'pack';

/** How a data set's rows go to the GPU: packed where they are 8-bit, else preprocessed float32. */
export function conversionOf(ds: Dataset): Conversion {
  return ds.packed ? 'pack' : { divisor: ds.preprocess!.divisor ?? 1, factor: ds.preprocess!.factor };
}

/**
 * Empty GPU rows for ds's values laid out by `plan`: packed where they are 8-bit, else float32
 * (`rows`); `target` is what a RowScatter of conversionOf(ds) fills (the words of packed rows).
 */
export function gpuRowsFor(rt: Runtime, plan: RowPlan, ds: Dataset): { rows: ChunkedRows | PackedRows; target: ChunkedRows } {
  if (!ds.packed) {
    const rows = new ChunkedRows(rt, plan, ds.d);
    return { rows, target: rows };
  }
  const rows = new PackedRows(rt, plan, ds.d, byteTable(ds.preprocess!.divisor ?? 1, ds.preprocess!.factor));
  return { rows, target: rows.words };
}

/**
 * A host block of rows of `cols` values waiting to be scattered into `out`: rows [0, m) of `values`,
 * row i going to row `where[i]`. `out` holds float32 rows of `cols` values, or ('pack') rows of
 * wordsPerRow(cols) words.
 */
export class RowScatter {
  /** Rows a block holds: blockBytes() of float32, at least one row. */
  readonly perBlock: number;
  readonly values: Float32Array;
  readonly where: Uint32Array;
  /** The packed words of a block ('pack'), reused block after block. */
  private readonly words: Uint32Array;
  m = 0;
  private readonly src: GPUBuffer;
  private readonly dst: GPUBuffer;

  constructor(
    private readonly rt: Runtime,
    private readonly out: ChunkedRows,
    private readonly cols: number,
    private readonly conversion: Conversion,
  ) {
    if (out.cols !== (conversion === 'pack' ? wordsPerRow(cols) : cols)) throw new RangeError(`RowScatter: rows of ${out.cols} for ${cols} values`);
    this.perBlock = Math.max(1, Math.min(MAX_BLOCK_ROWS, Math.floor(blockBytes() / (4 * cols))));
    this.values = new Float32Array(this.perBlock * cols);
    this.where = new Uint32Array(this.perBlock);
    this.words = new Uint32Array(conversion === 'pack' ? this.perBlock * out.cols : 0);
    [this.src, this.dst] = [rt.acquire(this.perBlock * out.cols * 4), rt.acquire(this.where.byteLength)];
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
    const { rt, out, m, conversion } = this;
    if (!m) return;
    const block = this.values.subarray(0, m * this.cols);
    if (conversion === 'pack') rt.write(this.src, pack(block, m, this.cols, this.words));
    else {
      convertInPlace(block, conversion.divisor, conversion.factor);
      rt.write(this.src, block);
    }
    rt.write(this.dst, this.where.subarray(0, m));
    out.chunks.forEach((chunk, c) => {
      const u = gatherFamily.params({ rows: m, d: out.cols, offset: 0, chunk_start: c * out.plan.rowsPerChunk, chunk_rows: out.chunkRows(c) });
      rt.dispatch(SCATTER, [u, this.src, this.dst, chunk], [1, m]);
    });
    this.m = 0;
  }

  dispose(): void {
    this.rt.release(this.src);
    this.rt.release(this.dst);
  }
}

/** `rows` rows of `cols` 8-bit values (as float32 0 … 255) packed four to a little-endian u32 word, into `out`. */
function pack(values: Float32Array, rows: number, cols: number, out: Uint32Array): Uint32Array {
  const w = wordsPerRow(cols);
  out = out.subarray(0, rows * w);
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * w + (c >> 2)] |= values[r * cols + c] << (8 * (c & 3));
  }
  return out;
}
