// --data / --labels: the bundled digits or the user's files, as a Dataset.
import { basename } from 'node:path';
import type { Dataset } from './dataset.js';
import { DataError, readMatrix } from './files.js';
import { loadBundledMnist } from './mnist.js';

export function loadData(data: string, labelsFile?: string): Dataset {
  if (data === 'mnist') {
    if (labelsFile) throw new DataError(labelsFile, '--labels applies to your own --data file; the bundled digits carry theirs');
    return loadBundledMnist();
  }
  const m = readMatrix(data);
  if (m.rows < 2) throw new DataError(data, `only ${m.rows} point(s); need at least as many points as clusters`);
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) throw new DataError(data, `value at row ${Math.floor(i / m.cols)}, column ${i % m.cols} is ${m.data[i]}; clean or impute it first`);
  }
  let labels: Int32Array | null = null;
  if (labelsFile) {
    const l = readMatrix(labelsFile);
    if (l.cols !== 1) throw new DataError(labelsFile, `labels must be one column; got ${l.cols}`);
    if (l.rows !== m.rows) throw new DataError(labelsFile, `${l.rows} labels for ${m.rows} points in ${data}`);
    labels = Int32Array.from(l.data);
  }
  // Pixel-like data (integers up to 255) is scaled to [0, 1], as the bundled digits are.
  let max = 0;
  let integral = true;
  for (const v of m.data) {
    if (Math.abs(v) > max) max = Math.abs(v);
    if (integral && !Number.isInteger(v)) integral = false;
  }
  if (integral && max > 1 && max <= 255) for (let i = 0; i < m.data.length; i++) m.data[i] /= 255;
  return { name: basename(data), x: m.data, n: m.rows, d: m.cols, labels };
}
