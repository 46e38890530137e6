// A matrix of many rows kept on the GPU as several buffers ("chunks") of whole rows, so that a data
// set larger than one storage binding (128 MiB on lavapipe; 70,000 × 784 floats is 219 MB) can
// still be trained on: kernels bind one chunk at a time, and copies (which have no binding limit)
// move rows between chunks and ordinary tensors.
//
// Work over all rows goes in blocks of at most BLOCK_ROWS rows at fixed global positions (multiples
// of the block size) and chunks hold a whole number of blocks: so a block never straddles a chunk,
// and a pass over the data does exactly the same arithmetic however the rows are chunked.
//
// What the passes and minibatches take rows through is a RowSource: ranges, blocks, and (for the
// shuffled batches) a gather. ChunkedRows is the float32 one; PackedRows (packed.ts) holds 8-bit
// rows, and StreamedRows (src/data/streamed.ts) reads rows from their file a window at a time.
import { defineFamily } from '../gpu/registry.js';
import type { Runtime } from '../gpu/runtime.js';
import { empty, type Tensor } from './tensor.js';

/** shaders/gather.wgsl: rows gathered from (and scattered into) a chunked matrix. */
export const gatherFamily = defineFamily(
  'gather',
  { gather_rows: ['uniform', 'read', 'read', 'rw'], scatter_rows: ['uniform', 'read', 'read', 'rw'] },
  { rows: 'u32', d: 'u32', offset: 'u32', chunk_start: 'u32', chunk_rows: 'u32', pad0: 'u32', pad1: 'u32', pad2: 'u32' },
);

/** Rows per block of a pass over the data (encoder activations of a block stay small). */
export const BLOCK_ROWS = 1024;

/**
 * The binding size the chunking plans for: the adapter's maxStorageBufferBindingSize, or less
 * where WEBGPU_DEC_MAX_BINDING (bytes) says so (tests lower it so that small data spans chunks).
 */
export function bindingLimit(rt: Runtime): number {
  const device = rt.device.limits.maxStorageBufferBindingSize;
  const env = Number(process.env.WEBGPU_DEC_MAX_BINDING);
  return Number.isFinite(env) && env > 0 ? Math.min(device, env) : device;
}

/** The row layout shared by every per-point matrix of one data set (x, z, q, p). */
export interface RowPlan {
  rows: number;
  /** Rows per chunk: a multiple of `blockRows`. */
  rowsPerChunk: number;
  blockRows: number;
}

/** Chunks sized for the widest per-point matrix that will share the layout (`widestCols` floats a row). */
export function planRows(rt: Runtime, rows: number, widestCols: number): RowPlan {
  const fit = Math.floor(bindingLimit(rt) / (4 * widestCols));
  if (fit < 1) throw new Error(`one row of ${widestCols} floats exceeds the ${bindingLimit(rt)}-byte binding limit`);
  const blockRows = Math.min(BLOCK_ROWS, fit);
  const rowsPerChunk = Math.floor(fit / blockRows) * blockRows;
  return { rows, rowsPerChunk, blockRows };
}

/** A block of rows of a pass over the data, and where it lives. */
export interface Block {
  start: number; // first row (global)
  rows: number;
  chunk: number;
  offset: number; // first row within the chunk
}

/**
 * Rows of a matrix as the passes and minibatches of a run take them: ranges copied into tensors or
 * buffers, and blocks of a pass over all rows. `ChunkedRows` holds them all on the GPU;
 * `StreamedRows` (src/data) reads a window of them from the data file where they do not fit.
 */
export abstract class RowSource {
  constructor(
    readonly rt: Runtime,
    readonly plan: RowPlan,
    readonly cols: number,
  ) {}

  get rows(): number {
    return this.plan.rows;
  }

  /** Copies rows [start, start + rows) into `dst` from row `dstRow` on (a buffer of `cols`-wide rows). */
  abstract copyOut(start: number, rows: number, dst: GPUBuffer, dstRow: number): void;

  /** Gives up the GPU memory (with `discard`, for good: see Runtime.discard). */
  abstract dispose(discard?: boolean): void;

  /**
   * Waits until rows read since the last call have reached the GPU, where reading them queued host
   * memory (out-of-core windows: a window's staged values); a pass calls it after each block.
   */
  async ready(): Promise<void> {}

  /** All rows back on the host as float32, a block at a time (for tests and the library). */
  async read(): Promise<Float32Array> {
    const out = new Float32Array(this.rows * this.cols);
    for (const b of this.blocks()) {
      const t = this.slice(b.start, b.rows);
      out.set(await t.toArray(), b.start * this.cols);
      t.dispose();
    }
    return out;
  }

  /** The blocks of a pass over all rows, in order (see the file's comment). */
  blocks(): Block[] {
    const { rowsPerChunk, blockRows } = this.plan;
    const out: Block[] = [];
    for (let start = 0; start < this.rows; start += blockRows) {
      const chunk = Math.floor(start / rowsPerChunk);
      out.push({ start, rows: Math.min(blockRows, this.rows - start), chunk, offset: start - chunk * rowsPerChunk });
    }
    return out;
  }

  /** Rows [start, start + rows) as a new [rows, cols] tensor (GPU copies). */
  slice(start: number, rows: number): Tensor {
    const out = empty(this.rt, rows, this.cols);
    this.copyOut(start, rows, out.buffer, 0);
    return out;
  }

  /**
   * Block b's rows as a [blockRows, cols] tensor, padded with zero rows where the data ends: every
   * block of a pass has the same shape, so its products take the same kernel path, and a point's
   * results do not depend on which block (or which position in the data) it falls in.
   */
  block(b: Block): Tensor {
    const out = empty(this.rt, this.plan.blockRows, this.cols);
    if (b.rows < this.plan.blockRows) this.rt.write(out.buffer, new Float32Array((this.plan.blockRows - b.rows) * this.cols), b.rows * this.cols * 4);
    this.copyOut(b.start, b.rows, out.buffer, 0);
    return out;
  }
}

/**
 * A matrix of many rows on the GPU as several buffers of whole rows, for data larger than one
 * storage binding.
 */
export class ChunkedRows extends RowSource {
  readonly chunks: GPUBuffer[] = [];

  constructor(rt: Runtime, plan: RowPlan, cols: number) {
    super(rt, plan, cols);
    for (let start = 0; start < plan.rows; start += plan.rowsPerChunk) {
      this.chunks.push(rt.acquire(Math.min(plan.rowsPerChunk, plan.rows - start) * cols * 4));
    }
  }

  /** A chunked copy of host rows `data` ([rows, cols], row-major). */
  static upload(rt: Runtime, plan: RowPlan, cols: number, data: Float32Array | Uint32Array): ChunkedRows {
    const m = new ChunkedRows(rt, plan, cols);
    m.write(data);
    return m;
  }

  /** Overwrites all rows with host data (queue order: before the next submit). */
  write(data: Float32Array | Uint32Array): void {
    if (data.length !== this.rows * this.cols) throw new RangeError(`write: ${data.length} values for [${this.rows}, ${this.cols}]`);
    const per = this.plan.rowsPerChunk * this.cols;
    this.chunks.forEach((buffer, c) => this.rt.write(buffer, data.subarray(c * per, Math.min(data.length, (c + 1) * per))));
  }

  /** Rows in chunk c. */
  chunkRows(c: number): number {
    return Math.min(this.plan.rowsPerChunk, this.rows - c * this.plan.rowsPerChunk);
  }

  /** Calls `fn` for each piece of rows [start, start + rows) that lies in one chunk. */
  pieces(start: number, rows: number, fn: (chunk: GPUBuffer, rowInChunk: number, rowInRange: number, count: number) => void): void {
    if (start < 0 || rows < 0 || start + rows > this.rows) throw new RangeError(`rows [${start}, ${start + rows}) outside [0, ${this.rows})`);
    const per = this.plan.rowsPerChunk;
    for (let r = start; r < start + rows; ) {
      const c = Math.floor(r / per);
      const count = Math.min(start + rows, (c + 1) * per) - r;
      fn(this.chunks[c], r - c * per, r - start, count);
      r += count;
    }
  }

  /** Copies rows [start, start + rows) into `dst` from row `dstRow` on (a buffer of `cols`-wide rows). */
  copyOut(start: number, rows: number, dst: GPUBuffer, dstRow: number): void {
    const w = this.cols * 4;
    this.pieces(start, rows, (chunk, at, i, count) => this.rt.copy(chunk, dst, count * w, at * w, (dstRow + i) * w));
  }

  /** Rows index[offset … offset + rows) (u32 row numbers on the GPU) into `out`: one gather per chunk, each copying the rows that live in it. */
  gather(index: GPUBuffer, offset: number, rows: number, out: GPUBuffer): void {
    this.chunks.forEach((chunk, c) => {
      const u = gatherFamily.params({ rows, d: this.cols, offset, chunk_start: c * this.plan.rowsPerChunk, chunk_rows: this.chunkRows(c) });
      this.rt.dispatch(gatherFamily.kernels.gather_rows, [u, chunk, index, out], [1, rows]);
    });
  }

  /** Writes `rows` rows of `src` (from its row 0) into rows [start, start + rows). */
  copyIn(src: GPUBuffer, start: number, rows: number): void {
    const w = this.cols * 4;
    this.pieces(start, rows, (chunk, at, i, count) => this.rt.copy(src, chunk, count * w, i * w, at * w));
  }

  /** All rows back on the host, as float32 (reinterpret `.buffer` for u32 data). */
  override async read(): Promise<Float32Array> {
    const out = new Float32Array(this.rows * this.cols);
    const parts = this.chunks.map((b, c) => this.rt.readF32(b, this.chunkRows(c) * this.cols));
    for (let c = 0; c < parts.length; c++) out.set(await parts[c], c * this.plan.rowsPerChunk * this.cols);
    return out;
  }

  /**
   * Returns every chunk to the pool, or with `discard` gives them up (their memory goes back: for
   * the data's rows once a run is done with them).
   */
  dispose(discard = false): void {
    for (const b of this.chunks) (discard ? this.rt.discard(b) : this.rt.release(b));
    this.chunks.length = 0;
  }
}
