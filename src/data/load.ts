// The data and its labels: the bundled digits (in memory) or the user's file, checked in one pass
// over its rows (finite values, the row count, whether it is 8-bit pixels, the mean squared norm for
// the paper's factor, the fingerprint) and left in the file: its rows are read again, block by
// block, where they go to the GPU.
import { createHash } from 'node:crypto';
import { totalmem } from 'node:os';
import { basename } from 'node:path';
import { openRows, readMatrix } from './formats/open.js';
import { blockBytes, DataError, type Matrix, type RowFile } from './formats/row-file.js';
import { loadBundledMnist } from './mnist.js';
import { selectedRows, selectRows, type RowSelection } from './slice.js';
import { takeRows, type Dataset } from './dataset.js';
import { applyPreprocess, defaultPreprocess, divisorFor, type Preprocess } from './preprocess.js';
import { streamLayout, type StreamLayout } from './streamed.js';
import { wordsPerRow } from '../tensor/index.js';

/**
 * The GPU memory the data may take when no budget is given: a quarter of host memory (on a CPU
 * adapter such as lavapipe, GPU buffers are host memory, shared with everything else).
 */
export function defaultGpuMemory(): number {
  return Math.floor(totalmem() / 4);
}

/** A size as people read it: GiB, MiB or bytes. */
function size(b: number): string {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(1)} GiB`;
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  return `${b} bytes`;
}

/** Bytes a row of `cols` values takes on the GPU: float32, or 8-bit values packed four to a word. */
export function gpuRowBytes(cols: number, u8: boolean): number {
  return u8 ? 4 * wordsPerRow(cols) : 4 * cols;
}

/**
 * How the rows of `f` are held under the budget: on the GPU where they fit (undefined), else read
 * from the file a window at a time (out-of-core), which needs a file read at row offsets (an
 * uncompressed NPY or IDX); `forced`: the layout a resumed run started with.
 */
function layoutFor(f: RowFile, rows: number, cols: number, budget: number, forced?: StreamLayout | null): StreamLayout | undefined {
  const rowBytes = gpuRowBytes(cols, f.u8 === true);
  const bytes = rows * rowBytes;
  if (forced !== undefined ? forced === null : bytes <= budget) return undefined;
  if (!f.readRows) {
    const [what, fix] = /\.gz$/i.test(f.file) ? ['a .gz', 'decompress it (gunzip)'] : ['a CSV', 'convert it to .npy (numpy.save)'];
    const as = f.u8 ? '8-bit values' : 'float32';
    const over = forced ? 'the run started out-of-core' : `${rows}×${cols} values take ${size(bytes)} as ${as} on the GPU, more than the budget of ${size(budget)}`;
    throw new DataError(f.file, (name) => `${over} (${name('gpuMemory')}); data over the budget are read at row offsets, which ${what} has not: ${fix}, or pass a larger ${name('gpuMemory')} if the GPU has it`);
  }
  return forced ?? streamLayout(budget, rowBytes);
}

/** Where element i of a file is, as its user would look for it: indices from 0 as in numpy. */
function where(cols: number, i: number): string {
  const [r, c] = [Math.floor(i / cols), i % cols];
  return cols > 1 ? `row ${r}, column ${c} (counting from 0)` : `row ${r} (counting from 0)`;
}

/** Where element i of a whole-file matrix is: a CSV line and column, else indices from 0. */
function whereIn(m: Matrix, i: number): string {
  const [r, c] = [Math.floor(i / m.cols), i % m.cols];
  if (m.lines) return m.cols > 1 ? `line ${m.lines[r]}, column ${c + 1}` : `line ${m.lines[r]}`;
  return where(m.cols, i);
}

/** How a data file is read: the GPU memory budget its values must fit, and progress on a long pass. */
export interface ReadOptions {
  /** Bytes the data's values may take on the GPU (float32, 8-bit ones packed; default: defaultGpuMemory()); over it, out-of-core. */
  gpuMemory?: number;
  /** Called every few seconds of a pass over the file with the rows read so far. */
  onProgress?: (rows: number, seconds: number) => void;
  /**
   * The layout to keep whatever the budget: a resumed run's, as it started (null: resident, a
   * StreamLayout: out-of-core); absent: decided by the budget.
   */
  stream?: StreamLayout | null;
  /**
   * Only these rows of the file (predict / embed in shards): they alone are read, and they are the
   * data set (its labels the labels of those rows; one row is enough).
   */
  rows?: RowSelection;
}

/** Seconds between progress calls of a pass. */
const PROGRESS_EVERY_S = 5;

/** A data file as a pass over it found it. */
export interface ScannedFile {
  ds: Dataset;
  /** SHA-256 of the values as read (float32, in file order) and the labels. */
  sha256: string;
  /** The mean over points of (1/d)·‖x_i‖², of the values divided by the divisor (the paper's factor is chosen by it). */
  meanSq: number;
}

/** The largest label: class ids are stored as int32. */
const MAX_LABEL = 2 ** 31 - 1;

/** Labels for `rows` points: one integer column of class ids 0 … 2³¹ − 1. */
async function readLabels(labelsFile: string, data: string, rows: number): Promise<Int32Array> {
  const l = await readMatrix(labelsFile, 'labels');
  if (l.cols !== 1) {
    throw new DataError(labelsFile, `labels must be one column (one class id per point); got ${l.cols}: pass a 1-D array or a one-column file`);
  }
  if (l.rows !== rows) {
    const fix = 'pass the labels of that file, one per point in the same order';
    throw new DataError(labelsFile, `${l.rows} labels for ${rows} points in ${data}; ${fix}`);
  }
  for (let i = 0; i < l.rows; i++) {
    if (!Number.isInteger(l.data[i])) {
      throw new DataError(labelsFile, (name) => `label at ${whereIn(l, i)} is ${l.data[i]}; labels must be integer class ids (leave ${name('labels')} out if some points have none)`);
    }
    // -1 is a common mark for "no label", and int32 would wrap 2³¹ to a negative id: scored as a
    // class of its own, either would skew ACC / NMI / ARI without a word, so both are refused.
    if (l.data[i] < 0 || l.data[i] > MAX_LABEL) {
      throw new DataError(labelsFile, (name) => `label at ${whereIn(l, i)} is ${l.data[i]}; labels must be class ids from 0 to ${MAX_LABEL} (leave ${name('labels')} out if some points have none)`);
    }
  }
  return Int32Array.from(l.data);
}

/**
 * A data file and its labels, checked in one pass, with the preprocessing's divisor decided on it
 * (the 'unit' rule: 8-bit pixel data divided by 255) where `preprocess` has none, and how its rows
 * are held (`ds.stream`: out-of-core where they exceed `read.gpuMemory`; a .gz over it is refused
 * from its NPY or IDX header before any value is read).
 */
export async function scanFile(data: string, labelsFile: string | null, preprocess: Preprocess, read: ReadOptions = {}): Promise<ScannedFile> {
  const { gpuMemory = defaultGpuMemory(), onProgress, stream: forced } = read;
  const t0 = performance.now();
  let told = t0;
  const opened = openRows(data);
  const f: RowFile = read.rows ? await selectRows(opened, read.rows) : opened;
  const first = f.first ?? 0; // a slice's rows are named by their row in the file
  if (f.rows !== null && f.cols !== null) layoutFor(f, f.rows, f.cols, gpuMemory, forced); // a .gz over the budget: refused before inflating
  const hash = createHash('sha256');
  let [pixels, max] = [true, 0];
  let [sq1, sq255] = [0, 0]; // Σ x², with x as read and with x / 255 (float32, as the data will be)
  const rows = await f.pass(blockBytes(), (start, x, count, lines) => {
    const cols = f.cols!;
    const n = count * cols;
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (!Number.isFinite(v)) {
        // a CSV's non-numbers are refused by its reader: here only a value beyond float32's range
        if (lines) throw new DataError(data, `value at line ${lines[Math.floor(i / cols)]}, column ${(i % cols) + 1} is beyond float32's range (it reads as ${v}); rescale the data`);
        throw new DataError(data, `value at ${where(cols, (first + start) * cols + i)} is ${v}; drop or impute non-finite values first (e.g. numpy.nan_to_num)`);
      }
      if (pixels) {
        if (!Number.isInteger(v) || v < 0) pixels = false;
        else if (v > max) max = v;
      }
      sq1 += v * v;
      const p = Math.fround(v / 255);
      sq255 += p * p;
    }
    hash.update(Buffer.from(x.buffer, x.byteOffset, n * 4));
    const now = performance.now();
    if (onProgress && now - told >= PROGRESS_EVERY_S * 1000) {
      told = now;
      onProgress(start + count, (now - t0) / 1000);
    }
  });
  const cols = f.cols!;
  if (rows === 0 || cols === 0) throw new DataError(data, `holds no data (${rows} rows × ${cols} columns); pass a file with one point per row`);
  if (rows < 2 && !read.rows) throw new DataError(data, (name) => `only ${rows} point; clustering needs at least as many points as clusters (${name('k')})`);
  const stream = layoutFor(f, rows, cols, gpuMemory, forced);
  // a slice's labels: those of its rows, from the labels of the whole file
  const labels = labelsFile ? (await readLabels(labelsFile, data, f.fileRows ?? rows)).slice(first, first + rows) : null;
  if (labels) hash.update(Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength));
  const divisor = divisorFor(preprocess, pixels && max > 1 && max <= 255);
  const ds: Dataset = { name: basename(data), x: null, file: f, n: rows, d: cols, labels, image: f.image, preprocess: { ...preprocess, divisor }, stream, packed: f.u8 || undefined };
  return { ds, sha256: hash.digest('hex'), meanSq: (divisor === 255 ? sq255 : sq1) / rows / cols };
}

/**
 * The bundled digits ('mnist', in memory) or a data file with optional labels (left in the file),
 * checked, with the preprocessing decided (by default the 'unit' rule: 8-bit pixel data divided by
 * 255, as the bundled digits are); `ds.preprocess` says what applies.
 */
export async function loadData(data: string, labelsFile?: string, preprocess: Preprocess = defaultPreprocess, read: ReadOptions = {}): Promise<Dataset> {
  if (data === 'mnist') {
    if (labelsFile) throw new DataError(labelsFile, (name) => `${name('labels')} applies to your own ${name('data')} file; the bundled digits carry theirs`);
    const all = loadBundledMnist();
    const [a, b] = read.rows ? selectedRows('mnist', read.rows, all.n) : [0, all.n];
    const ds = read.rows ? takeRows(all, Uint32Array.from({ length: b - a }, (_, i) => a + i)) : all; // in memory already: a slice is a copy of its rows
    return { ...ds, preprocess: applyPreprocess(ds.x!, preprocess, 255) };
  }
  return (await scanFile(data, labelsFile ?? null, preprocess, read)).ds;
}
