// The data and its labels: the bundled digits or the user's files, as a Dataset.
import { basename } from 'node:path';
import type { Dataset } from './dataset.js';
import { DataError, readMatrix, type Matrix } from './files.js';
import { loadBundledMnist } from './mnist.js';
import { applyPreprocess, defaultPreprocess, type Preprocess } from './preprocess.js';

/** Where element i of a file is, as its user would look for it: a CSV line and column, else indices from 0 as in numpy. */
function where(m: Matrix, i: number): string {
  const r = Math.floor(i / m.cols);
  const c = i % m.cols;
  if (m.lines) return m.cols > 1 ? `line ${m.lines[r]}, column ${c + 1}` : `line ${m.lines[r]}`;
  return m.cols > 1 ? `row ${r}, column ${c} (counting from 0)` : `row ${r} (counting from 0)`;
}

/**
 * The bundled digits ('mnist') or a data file with optional labels, checked, with the preprocessing
 * applied (by default the 'unit' rule: 8-bit pixel data divided by 255, as the bundled digits are);
 * `ds.preprocess` says what was applied.
 */
export function loadData(data: string, labelsFile?: string, preprocess: Preprocess = defaultPreprocess): Dataset {
  if (data === 'mnist') {
    if (labelsFile) throw new DataError(labelsFile, (name) => `${name('labels')} applies to your own ${name('data')} file; the bundled digits carry theirs`);
    const ds = loadBundledMnist();
    return { ...ds, preprocess: applyPreprocess(ds.x, preprocess, 255) };
  }
  const m = readMatrix(data);
  if (m.rows === 0 || m.cols === 0) {
    throw new DataError(data, `holds no data (${m.rows} rows × ${m.cols} columns); pass a file with one point per row`);
  }
  if (m.rows < 2) throw new DataError(data, (name) => `only ${m.rows} point; clustering needs at least as many points as clusters (${name('k')})`);
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) {
      throw new DataError(data, `value at ${where(m, i)} is ${m.data[i]}; drop or impute non-finite values first (e.g. numpy.nan_to_num)`);
    }
  }
  let labels: Int32Array | null = null;
  if (labelsFile) {
    const l = readMatrix(labelsFile, 'labels');
    if (l.cols !== 1) {
      throw new DataError(labelsFile, `labels must be one column (one class id per point); got ${l.cols}: pass a 1-D array or a one-column file`);
    }
    if (l.rows !== m.rows) {
      const fix = 'pass the labels of that file, one per point in the same order';
      throw new DataError(labelsFile, `${l.rows} labels for ${m.rows} points in ${data}; ${fix}`);
    }
    for (let i = 0; i < l.rows; i++) {
      if (!Number.isInteger(l.data[i])) {
        throw new DataError(labelsFile, (name) => `label at ${where(l, i)} is ${l.data[i]}; labels must be integer class ids (leave ${name('labels')} out if some points have none)`);
      }
    }
    labels = Int32Array.from(l.data);
  }
  const applied = applyPreprocess(m.data, preprocess);
  return { name: basename(data), x: m.data, n: m.rows, d: m.cols, labels, image: m.image, preprocess: applied };
}
