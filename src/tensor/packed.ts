// 8-bit rows (image pixels, as IDX and uint8 NPY files hold them) on the GPU four values to a u32
// word: a quarter of the float32 memory and upload. They are unpacked to float32 wherever rows are
// taken (a range, a block of a pass, a shuffled batch) by `unpack_rows` through a table of the 256
// preprocessed values, so every value equals the float32 path's (shaders/packed.wgsl).
import { defineFamily } from '../gpu/registry.js';
import type { Runtime } from '../gpu/runtime.js';
import { ChunkedRows, planRows, RowSource, type RowPlan } from './chunked.js';

/** shaders/packed.wgsl: Params, words, table, out. */
export const packedFamily = defineFamily(
  'packed',
  { unpack_rows: ['uniform', 'read', 'read', 'rw'] },
  { rows: 'u32', d: 'u32', words: 'u32', src_row: 'u32', dst_row: 'u32', pad0: 'u32', pad1: 'u32', pad2: 'u32' },
);

const UNPACK = packedFamily.kernels.unpack_rows;
/** Rows per unpack dispatch: its grid's second dimension (at most 65,535 workgroups). */
const MAX_ROWS = 32768;

/** u32 words a row of `cols` 8-bit values takes. */
export const wordsPerRow = (cols: number) => Math.ceil(cols / 4);

/** Rows of `cols` 8-bit values on the GPU, packed (see the file's comment). */
export class PackedRows extends RowSource {
  /** [rows, wordsPerRow(cols)] u32, chunked to the binding limit like float32 rows. */
  readonly words: ChunkedRows;
  private readonly table: GPUBuffer;

  /** `table`: the float32 value of each byte 0 … 255 (the preprocessing applied). */
  constructor(rt: Runtime, plan: RowPlan, cols: number, table: Float32Array) {
    super(rt, plan, cols);
    if (table.length !== 256) throw new RangeError(`PackedRows: a table of ${table.length} values, not 256`);
    this.words = new ChunkedRows(rt, planRows(rt, plan.rows, wordsPerRow(cols)), wordsPerRow(cols));
    this.table = rt.acquire(256 * 4);
    rt.write(this.table, table);
  }

  copyOut(start: number, rows: number, dst: GPUBuffer, dstRow: number): void {
    this.words.pieces(start, rows, (chunk, at, i, count) => this.unpack(chunk, at, count, dst, dstRow + i));
  }

  /** Rows index[offset … offset + rows) (u32 row numbers on the GPU) into `out` as float32: their words gathered per chunk, then unpacked. */
  gather(index: GPUBuffer, offset: number, rows: number, out: GPUBuffer): void {
    const { rt, words } = this;
    const w = rt.acquire(rows * words.cols * 4);
    words.gather(index, offset, rows, w);
    this.unpack(w, 0, rows, out, 0);
    rt.release(w);
  }

  /** out rows [dstRow, dstRow + rows) = the unpacked rows [srcRow, srcRow + rows) of `src`. */
  private unpack(src: GPUBuffer, srcRow: number, rows: number, dst: GPUBuffer, dstRow: number): void {
    for (let done = 0; done < rows; done += MAX_ROWS) {
      const m = Math.min(MAX_ROWS, rows - done);
      const u = packedFamily.params({ rows: m, d: this.cols, words: this.words.cols, src_row: srcRow + done, dst_row: dstRow + done });
      this.rt.dispatch(UNPACK, [u, src, this.table, dst], [1, m]);
    }
  }

  dispose(discard = false): void {
    this.words.dispose(discard);
    this.rt.release(this.table);
  }
}
