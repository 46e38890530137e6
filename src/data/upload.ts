// A data set's rows onto the GPU, in the run's order, chunked to the binding limit (ChunkedRows).
// Rows in memory are copied as they are; rows left in their file are read block by block in file
// order, preprocessed on the host (convertInPlace, the same arithmetic as for an array) and
// scattered on the GPU to their places in the run's order. So host memory holds one block. 8-bit
// values (IDX, uint8 NPY) go packed four to a word and are unpacked on the GPU (PackedRows). Rows
// over the GPU memory budget stay in the file and are read a window at a time (streamed.ts).
import type { Runtime } from '../gpu/runtime.js';
import { ChunkedRows, planRows, type RowSource } from '../tensor/index.js';
import type { Dataset } from './dataset.js';
import { DataError } from './formats/row-file.js';
import { conversionOf, gpuRowsFor, RowScatter } from './scatter.js';
import { StreamedRows } from './streamed.js';

/**
 * The data set's rows on the GPU. The per-point matrices of a run (z, q, p) share the row layout,
 * so it is planned for the widest: `widest` floats a row.
 */
export async function upload(rt: Runtime, ds: Dataset, widest = ds.d): Promise<RowSource> {
  const plan = planRows(rt, ds.n, Math.max(ds.d, widest));
  if (ds.x) return ChunkedRows.upload(rt, plan, ds.d, ds.x);
  if (ds.stream) return new StreamedRows(rt, plan, ds); // out-of-core: read a window at a time
  const { rows, target } = gpuRowsFor(rt, plan, ds);
  try {
    await scatterFile(rt, ds, target);
  } catch (e) {
    rows.dispose();
    throw e;
  }
  return rows;
}

/**
 * Reads ds's file once and writes each of its rows in the data set (a row may be there twice) to
 * its place in `out` (float32 rows, or the words of packed ones).
 */
async function scatterFile(rt: Runtime, ds: Dataset, out: ChunkedRows): Promise<void> {
  const { file, d, n } = ds;
  const rowOf = (i: number) => (ds.index ? ds.index[i] : i);
  const byRow = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => rowOf(a) - rowOf(b)); // positions in file order
  const block = new RowScatter(rt, out, d, conversionOf(ds));
  const changed = (what: string) => new DataError(file!.file, `${what} since it was checked: it changed while being read; run again on a file that stays put`);
  let p = 0; // the next position of byRow to place
  const checked = file!.rows; // as the checking pass counted them (a pass over a CSV counts again)
  try {
    const rows = await file!.pass(block.perBlock * d * 4, async (start, x, count) => {
      if (file!.cols !== d) throw changed(`${file!.cols} columns where there were ${d}`);
      for (; p < n && rowOf(byRow[p]) < start + count; p++) {
        const r = rowOf(byRow[p]) - start;
        block.values.set(x.subarray(r * d, (r + 1) * d), block.m * d);
        block.where[block.m++] = byRow[p];
        if (!block.room) {
          block.send();
          await rt.sync(); // the staging buffers are reused next; the queue holds at most one block
        }
      }
    });
    block.send();
    await rt.sync();
    if (p < n || rows !== checked) throw changed(`${rows} rows where there were ${checked}`);
  } finally {
    block.dispose();
  }
}
