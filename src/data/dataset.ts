// A data set: n rows of d features, optional integer labels. The values are either in memory
// (an array, the bundled digits) or left in their file and read block by block where they are
// needed (uploaded to the GPU: upload.ts); shuffles and subsets then only reorder row numbers.
import { permutation } from '../random/rng.js';
import { blockBytes, DataError, type RowFile } from './formats/row-file.js';
import { convertInPlace, type Preprocess } from './preprocess.js';
import type { StreamLayout } from './streamed.js';

/** A data set: n points of d features and, optionally, integer labels. */
export interface Dataset {
  name: string;
  /** [n, d] row-major with the preprocessing applied; null where the rows stay in `file`. */
  x: Float32Array | null;
  /** Where `x` is null: the file whose row `index[i]` is row i, read with `preprocess` applied. */
  file?: RowFile;
  n: number;
  d: number;
  labels: Int32Array | null; // [n], or null when unlabelled
  /** Each row's position in the source file (after shuffles and subsets); absent: 0..n-1. */
  index?: Uint32Array;
  /** Height × width when each row is an image. */
  image?: [number, number];
  /** How the values were scaled from the file's (see preprocess.ts). */
  preprocess?: Preprocess;
  /** Where the rows exceed the GPU memory budget: read from `file` a window at a time (streamed.ts). */
  stream?: StreamLayout;
  /** `file` holds 8-bit values: they go to the GPU packed four to a word (src/tensor/packed.ts). */
  packed?: boolean;
}

/** The rows `index` of ds, in that order (copied where they are in memory). */
export function takeRows(ds: Dataset, index: ArrayLike<number>): Dataset {
  let x: Float32Array | null = null;
  if (ds.x) {
    x = new Float32Array(index.length * ds.d);
    for (let i = 0; i < index.length; i++) x.set(ds.x.subarray(index[i] * ds.d, (index[i] + 1) * ds.d), i * ds.d);
  }
  const labels = ds.labels ? Int32Array.from(index, (i) => ds.labels![i]) : null;
  const source = Uint32Array.from(index, (i) => (ds.index ? ds.index[i] : i));
  return { name: ds.name, x, file: ds.file, n: index.length, d: ds.d, labels, index: source, image: ds.image, preprocess: ds.preprocess, stream: ds.stream, packed: ds.packed };
}

/**
 * Rows `rows` of ds (positions in ds, any order) as values in memory, [rows.length, d]: copied where
 * ds is in memory, else picked up in one pass over its file (for the few rows a report shows).
 */
export async function rowValues(ds: Dataset, rows: ArrayLike<number>): Promise<Float32Array> {
  const out = new Float32Array(rows.length * ds.d);
  if (ds.x) {
    for (let i = 0; i < rows.length; i++) out.set(ds.x.subarray(rows[i] * ds.d, (rows[i] + 1) * ds.d), i * ds.d);
    return out;
  }
  const file = ds.file!;
  const wanted = new Map<number, number[]>(); // file row → positions in `out`
  for (let i = 0; i < rows.length; i++) {
    const r = ds.index ? ds.index[rows[i]] : rows[i];
    wanted.set(r, [...(wanted.get(r) ?? []), i]);
  }
  const { divisor = 1, factor } = ds.preprocess!;
  const checked = file.rows;
  const read = await file.pass(blockBytes(), (start, x, count) => {
    for (let r = 0; r < count; r++) {
      for (const i of wanted.get(start + r) ?? []) out.set(x.subarray(r * ds.d, (r + 1) * ds.d), i * ds.d);
    }
  });
  if (read !== checked || file.cols !== ds.d) throw new DataError(file.file, 'it changed since it was checked (other rows or columns); run again on a file that stays put');
  convertInPlace(out, divisor, factor);
  return out;
}

/** All of ds in memory, in its order (for the library and tests: a file's whole data). */
export async function inMemory(ds: Dataset): Promise<Dataset> {
  if (ds.x) return ds;
  return { ...ds, x: await rowValues(ds, Uint32Array.from({ length: ds.n }, (_, i) => i)), file: undefined, stream: undefined, packed: undefined };
}

/** Shuffles the rows with the seed (the bundled digits come sorted by class). */
export function shuffle(ds: Dataset, seed: number): Dataset {
  return takeRows(ds, permutation(ds.n, seed));
}

/**
 * A seeded subset of n rows that keeps each label's share (largest remainders); without labels,
 * a plain seeded sample. The result is in shuffled order.
 */
export function stratifiedSubset(ds: Dataset, n: number, seed: number): Dataset {
  if (n >= ds.n) return shuffle(ds, seed);
  const order = permutation(ds.n, `subset:${seed}`);
  if (!ds.labels) return takeRows(ds, order.subarray(0, n));
  const byClass = new Map<number, number[]>();
  for (const i of order) {
    const c = ds.labels[i];
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const exact = classes.map((c) => (byClass.get(c)!.length * n) / ds.n);
  const take = exact.map(Math.floor);
  let left = n - take.reduce((a, b) => a + b, 0);
  const byRemainder = classes.map((_, i) => i).sort((a, b) => exact[b] - take[b] - (exact[a] - take[a]) || a - b);
  for (const i of byRemainder) if (left-- > 0) take[i]++;
  const chosen: number[] = [];
  classes.forEach((c, i) => chosen.push(...byClass.get(c)!.slice(0, take[i])));
  return shuffle(takeRows(ds, chosen), seed);
}
