// Readers for the user's own data: NPY (float32/float64/uint8/int… , C order, 1-D or 2-D), CSV
// (numbers, optional header row), IDX (MNIST's format), each optionally .gz. A file is opened from
// its first bytes (the header, checked before anything else is read or inflated) and then read in
// passes of row blocks: uncompressed NPY and IDX from the data's offset, .gz inflated as a stream,
// CSV parsed block by block. So host memory holds one block, whatever the file's size. Bad input
// raises a DataError: one line naming the file, what is wrong and what to do. Here the format is
// chosen by the file's name; each has its reader beside this file.
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { fsProblem, openBytes } from './bytes.js';
import { openCsv } from './csv.js';
import { openIdx } from './idx.js';
import { openNpy } from './npy.js';
import { DataError, knownFormats, type Matrix, type RowFile } from './row-file.js';

/** Opens a data file from its first bytes; `field`: the option that named the file. */
export function openRows(file: string, field = 'data'): RowFile {
  const name = file.replace(/\.gz$/i, '').toLowerCase();
  const kind = name.endsWith('.npy') ? 'npy' : name.endsWith('.csv') ? 'csv' : /\.idx\d?(-ubyte)?$|-ubyte$/.test(name) ? 'idx' : null;
  // A missing file or a directory first: likelier mistakes than the extension.
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch (e) {
    throw new DataError(file, fsProblem(e, field));
  }
  if (st.isDirectory()) throw new DataError(file, `is a directory; pass a ${knownFormats}`);
  if (!kind) {
    const ext = extname(name);
    const what = ext ? `unknown file type "${ext}"` : 'no file type in the name';
    throw new DataError(file, `${what}; convert the data to a ${knownFormats} and name it so`);
  }
  const src = openBytes(file, field, Number(st.size));
  if (kind === 'npy') return openNpy(src);
  if (kind === 'idx') return openIdx(src);
  return openCsv(src);
}

/** A whole file in memory (labels, small files): one pass into one array. */
export async function readMatrix(file: string, field = 'data'): Promise<Matrix> {
  const f = openRows(file, field);
  const parts: Float32Array[] = [];
  const lines: number[] = [];
  const rows = await f.pass(1 << 22, (_, x, n, l) => {
    parts.push(x.slice(0, n * f.cols!));
    if (l) for (let i = 0; i < n; i++) lines.push(l[i]);
  });
  const data = new Float32Array(rows * (f.cols ?? 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, rows, cols: f.cols ?? 0, image: f.image, ...(f.format === 'csv' ? { lines } : {}) };
}
