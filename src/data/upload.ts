// A data set's rows onto the GPU, in the run's order, chunked to the binding limit (ChunkedRows).
// Rows in memory are copied as they are; rows left in their file are read block by block in file
// order, preprocessed on the host (convertInPlace, the same arithmetic as for an array) and
// scattered on the GPU to their places in the run's order. So host memory holds one block.
import { kernels, params } from '../gpu/kernels.js';
import type { Runtime } from '../gpu/runtime.js';
import { ChunkedRows, planRows } from '../tensor/index.js';
import type { Dataset } from './dataset.js';
import { blockBytes } from './load.js';
import { convertInPlace } from './preprocess.js';

const SCATTER = kernels.gather.scatter_rows;
/** Rows per scatter: a dispatch's second grid dimension (at most 65,535 workgroups). */
const MAX_BLOCK_ROWS = 32768;

/**
 * The data set's rows on the GPU. The per-point matrices of a run (z, q, p) share the row layout,
 * so it is planned for the widest: `widest` floats a row.
 */
export async function upload(rt: Runtime, ds: Dataset, widest = ds.d): Promise<ChunkedRows> {
  const plan = planRows(rt, ds.n, Math.max(ds.d, widest));
  if (ds.x) return ChunkedRows.upload(rt, plan, ds.d, ds.x);
  const out = new ChunkedRows(rt, plan, ds.d);
  try {
    await scatterFile(rt, ds, out);
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

/** Reads ds's file once and writes each of its rows in the data set to its place in `out`. */
async function scatterFile(rt: Runtime, ds: Dataset, out: ChunkedRows): Promise<void> {
  const { file, d } = ds;
  const place = new Int32Array(file!.rows!).fill(-1); // file row → row of the data set (-1: not in it)
  for (let i = 0; i < ds.n; i++) place[ds.index ? ds.index[i] : i] = i;
  const perBlock = Math.max(1, Math.min(MAX_BLOCK_ROWS, Math.floor(blockBytes() / (4 * d))));
  const values = new Float32Array(perBlock * d);
  const where = new Uint32Array(perBlock);
  const [src, dst] = [rt.acquire(values.byteLength), rt.acquire(where.byteLength)];
  const { divisor = 1, factor } = ds.preprocess!;
  try {
    await file!.pass(perBlock * d * 4, async (start, x, rows) => {
      let m = 0; // the block's rows that are in the data set, packed
      for (let r = 0; r < rows; r++) {
        const at = place[start + r];
        if (at < 0) continue;
        values.set(x.subarray(r * d, (r + 1) * d), m * d);
        where[m++] = at;
      }
      if (!m) return;
      const block = values.subarray(0, m * d);
      convertInPlace(block, divisor, factor);
      rt.write(src, block);
      rt.write(dst, where.subarray(0, m));
      out.chunks.forEach((chunk, c) => {
        const u = params('gather', { rows: m, d, offset: 0, chunk_start: c * out.plan.rowsPerChunk, chunk_rows: out.chunkRows(c) });
        rt.dispatch(SCATTER, [u, src, dst, chunk], [1, m]);
      });
      await rt.sync(); // the staging buffers are reused by the next block; the queue holds at most one block
    });
  } finally {
    rt.release(src);
    rt.release(dst);
  }
}
