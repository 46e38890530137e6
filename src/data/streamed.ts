// Out-of-core data: rows that do not fit the GPU memory budget stay in their file and are read
// from disk for every pass (encoding, k-means, target updates) and for the minibatches, a window of
// rows at a time, as out-of-core SGD does:
//
//   - the run's order is windowed: the file's rows in blocks of `blockRows`, the blocks in a seeded
//     order, and the rows shuffled within each window of `windowRows` (windowedOrder); so a window
//     is a handful of contiguous stretches of the file, read at their offsets;
//   - a pass over the rows, or minibatches in order, go window after window; each window is read
//     once (rows staged and scattered to their places: scatter.ts) into a window buffer on the GPU,
//     from which the blocks and batches are copied as from resident rows;
//   - shuffled epochs (the end-to-end recipe) draw a windowed order of their own per epoch.
//
// The values a block or a batch holds are those of resident rows in the same order: the mode
// changes the order the rows come in (a seeded one), not the arithmetic done on them.
import type { Runtime } from '../gpu/runtime.js';
import { permutation } from '../random/rng.js';
import { planRows, RowSource, type ChunkedRows, type PackedRows, type RowPlan } from '../tensor/index.js';
import type { Dataset } from './dataset.js';
import { conversionOf, gpuRowsFor, RowScatter } from './scatter.js';

/** How out-of-core rows are ordered and read: windows of `windowRows`, made of file blocks of `blockRows`. */
export interface StreamLayout {
  windowRows: number;
  blockRows: number;
}

/**
 * File blocks per window, at least (where the window holds that many rows): the mixing of a window.
 * Many small blocks, so that a file sorted by class still gives windows (and minibatches) of all
 * classes; a block is still a contiguous read (167 rows of 784 float32 values in a 128 MiB window).
 */
const BLOCKS_PER_WINDOW = 256;
/** Rows per file block, at most: a contiguous read (3 MiB of 784 float32 values). */
const MAX_BLOCK_ROWS = 1024;

/**
 * The layout for rows of `rowBytes` bytes on the GPU under a memory budget of `budget` bytes: the
 * window takes half of it (the rest is left for the model, the per-point matrices and the work of a
 * block).
 */
export function streamLayout(budget: number, rowBytes: number): StreamLayout {
  const fit = Math.max(1, Math.floor(budget / 2 / rowBytes));
  const blockRows = Math.min(MAX_BLOCK_ROWS, Math.max(1, Math.floor(fit / BLOCKS_PER_WINDOW)));
  return { windowRows: Math.floor(fit / blockRows) * blockRows, blockRows };
}

/**
 * A windowed order of positions 0 … n−1 whose rows are `fileRows[i]` in the file: the positions
 * sorted by file row, cut into blocks of `blockRows`, the blocks in a seeded order, then the
 * positions shuffled within each window of `windowRows`. A window so covers at most
 * windowRows / blockRows + 1 stretches of the file.
 */
export function windowedOrder(fileRows: Uint32Array, layout: StreamLayout, key: string): Uint32Array {
  const n = fileRows.length;
  const { blockRows, windowRows } = layout;
  const byRow = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => fileRows[a] - fileRows[b] || a - b);
  const out = new Uint32Array(n);
  let at = 0;
  for (const b of permutation(Math.ceil(n / blockRows), `${key}:blocks`)) {
    const block = byRow.subarray(b * blockRows, Math.min(n, (b + 1) * blockRows));
    out.set(block, at);
    at += block.length;
  }
  for (let w = 0; w * windowRows < n; w++) {
    const window = out.subarray(w * windowRows, Math.min(n, (w + 1) * windowRows));
    const inWindow = window.slice();
    permutation(window.length, `${key}:window${w}`).forEach((j, i) => (window[i] = inWindow[j]));
  }
  return out;
}

/** Rows of a data set left in its file, read a window at a time onto the GPU (see the file's comment). */
export class StreamedRows extends RowSource {
  private readonly window: ChunkedRows | PackedRows;
  /** The host block a window is staged through, and where it scatters to (the window's buffers). */
  private readonly staging: RowScatter;
  /** Which window the buffer holds: of which order (null: the data set's own), and which. */
  private held: { order: Uint32Array | null; w: number } | null = null;
  /** Windows read so far (each a read of its rows from the file). */
  reads = 0;
  /** A window was read since the last ready(): its staged values wait in host memory for the GPU. */
  private queued = false;

  constructor(
    rt: Runtime,
    plan: RowPlan,
    private readonly ds: Dataset,
  ) {
    super(rt, plan, ds.d);
    if (!ds.stream || !ds.file?.readRows) throw new Error('StreamedRows: the data set is not out-of-core');
    const { rows, target } = gpuRowsFor(rt, planRows(rt, Math.min(ds.stream.windowRows, ds.n), ds.d), ds);
    this.window = rows;
    this.staging = new RowScatter(rt, target, ds.d, conversionOf(ds));
  }

  get layout(): StreamLayout {
    return this.ds.stream!;
  }

  copyOut(start: number, rows: number, dst: GPUBuffer, dstRow: number): void {
    this.copyOrdered(null, start, rows, dst, dstRow);
  }

  /**
   * Copies positions [start, start + rows) of `order` (a permutation of the rows; null: the rows in
   * their own order) into `dst` from row `dstRow` on, window by window.
   */
  copyOrdered(order: Uint32Array | null, start: number, rows: number, dst: GPUBuffer, dstRow: number): void {
    if (start < 0 || rows < 0 || start + rows > this.rows) throw new RangeError(`rows [${start}, ${start + rows}) outside [0, ${this.rows})`);
    const W = this.window.rows;
    for (let r = start; r < start + rows; ) {
      const w = Math.floor(r / W);
      const count = Math.min(start + rows, (w + 1) * W) - r;
      this.hold(order, w);
      this.window.copyOut(r - w * W, count, dst, dstRow + (r - start));
      r += count;
    }
  }

  /** A windowed order of the rows for a shuffled epoch (`key` seeds it). */
  epochOrder(key: string): Uint32Array {
    const fileRows = this.ds.index ?? Uint32Array.from({ length: this.rows }, (_, i) => i);
    return windowedOrder(fileRows, this.layout, key);
  }

  /** Reads window w of `order` into the window buffer, unless it is there. */
  private hold(order: Uint32Array | null, w: number): void {
    if (this.held && this.held.order === order && this.held.w === w) return;
    const { rt, ds } = this;
    rt.flush(); // copies recorded from the window's old rows run before they are overwritten
    const W = this.window.rows;
    const first = w * W;
    const count = Math.min(this.rows, first + W) - first;
    const fileRow = (local: number) => {
      const p = order ? order[first + local] : first + local;
      return ds.index ? ds.index[p] : p;
    };
    const locals = Uint32Array.from({ length: count }, (_, i) => i).sort((a, b) => fileRow(a) - fileRow(b) || a - b);
    const file = ds.file!; // a file cut short since it was checked: readRows says so
    const block = this.staging;
    block.m = 0; // nothing left over from a read that failed
    // Runs of consecutive file rows, each read with one call into the staged block.
    for (let i = 0; i < count; ) {
      let run = 1;
      while (i + run < count && run < block.room && fileRow(locals[i + run]) === fileRow(locals[i]) + run) run++;
      file.readRows!(fileRow(locals[i]), run, block.values.subarray(block.m * this.cols, (block.m + run) * this.cols));
      for (let j = 0; j < run; j++) block.where[block.m++] = locals[i + j];
      i += run;
      if (!block.room) {
        block.send();
        rt.flush(); // the staged block is refilled next: its writes go with this submit
      }
    }
    block.send();
    rt.flush();
    this.held = { order, w };
    this.reads++;
    this.queued = true;
  }

  /**
   * The staged values of a window are host memory until the GPU has taken them (the device gives
   * them back only when awaited): a pass waits here after each block, so that host memory holds
   * one window's staging, not those of all the windows of a pass.
   */
  override async ready(): Promise<void> {
    if (!this.queued) return;
    this.queued = false;
    await this.rt.sync();
  }

  dispose(discard = false): void {
    this.window.dispose(discard);
    this.staging.dispose();
    this.held = null;
  }
}
