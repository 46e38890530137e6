// A data set's rows onto the GPU, in the run's order, chunked to the binding limit (ChunkedRows).
// Rows in memory are copied as they are; rows left in their file are read block by block in file
// order, preprocessed on the host (convertInPlace, the same arithmetic as for an array) and
// scattered on the GPU to their places in the run's order. So host memory holds one block.
import { kernels, params } from '../gpu/kernels.js';
import type { Runtime } from '../gpu/runtime.js';
import { ChunkedRows, planRows } from '../tensor/index.js';
import type { Dataset } from './dataset.js';
import { blockBytes } from './load.js';
import { DataError } from './files.js';
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

/** Reads ds's file once and writes each of its rows in the data set (a row may be there twice) to its place in `out`. */
async function scatterFile(rt: Runtime, ds: Dataset, out: ChunkedRows): Promise<void> {
  const { file, d, n } = ds;
  const rowOf = (i: number) => (ds.index ? ds.index[i] : i);
  const byRow = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => rowOf(a) - rowOf(b)); // positions in file order
  const perBlock = Math.max(1, Math.min(MAX_BLOCK_ROWS, Math.floor(blockBytes() / (4 * d))));
  const values = new Float32Array(perBlock * d);
  const where = new Uint32Array(perBlock);
  const [src, dst] = [rt.acquire(values.byteLength), rt.acquire(where.byteLength)];
  const { divisor = 1, factor } = ds.preprocess!;
  const changed = (what: string) => new DataError(file!.file, `${what} since it was checked: it changed while being read; run again on a file that stays put`);
  let m = 0; // rows packed in `values`, waiting for the next scatter
  const scatter = async () => {
    const block = values.subarray(0, m * d);
    convertInPlace(block, divisor, factor);
    rt.write(src, block);
    rt.write(dst, where.subarray(0, m));
    out.chunks.forEach((chunk, c) => {
      const u = params('gather', { rows: m, d, offset: 0, chunk_start: c * out.plan.rowsPerChunk, chunk_rows: out.chunkRows(c) });
      rt.dispatch(SCATTER, [u, src, dst, chunk], [1, m]);
    });
    await rt.sync(); // the staging buffers are reused next; the queue holds at most one block
    m = 0;
  };
  let p = 0; // the next position of byRow to place
  const checked = file!.rows; // as the checking pass counted them (a pass over a CSV counts again)
  try {
    const rows = await file!.pass(perBlock * d * 4, async (start, x, count) => {
      if (file!.cols !== d) throw changed(`${file!.cols} columns where there were ${d}`);
      for (; p < n && rowOf(byRow[p]) < start + count; p++) {
        const r = rowOf(byRow[p]) - start;
        values.set(x.subarray(r * d, (r + 1) * d), m * d);
        where[m++] = byRow[p];
        if (m === perBlock) await scatter();
      }
    });
    if (m) await scatter();
    if (p < n || rows !== checked) throw changed(`${rows} rows where there were ${checked}`);
  } finally {
    rt.release(src);
    rt.release(dst);
  }
}
