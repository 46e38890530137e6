// The load phase of a run: the data file (or the bundled digits) read and checked, preprocessed,
// fingerprinted, and put in the run's order (a seeded shuffle, or a stratified subset).
import { createHash } from 'node:crypto';
import { stratifiedSubset, shuffle, type Dataset } from './dataset.js';
import { loadData } from './load.js';
import { paperFactor, scaleInPlace, type Preprocess } from './preprocess.js';

export interface DataSpec {
  data: string; // 'mnist' or a path
  labels: string | null;
  /** A stratified subset of this many rows, or null for all. */
  subset: number | null;
}

export interface PreparedData {
  ds: Dataset;
  /** SHA-256 of the values the run trains on (all rows of the file, after preprocessing) and the labels. */
  sha256: string;
  /** Rows in the file. */
  rows: number;
  /** The preprocessing as applied (with the 'paper' factor chosen where `fit`). */
  preprocess: Preprocess;
}

/**
 * `fit`: choose the 'paper' factor on this data (a new run); otherwise apply `p` as stored (a
 * resumed run, `predict`), which gives the very same values.
 */
export function prepareData(spec: DataSpec, seed: number, p: Preprocess, fit = false): PreparedData {
  const all = loadData(spec.data, spec.labels ?? undefined, p);
  const preprocess = { ...all.preprocess! };
  if (fit && p.scale === 'paper') {
    preprocess.factor = paperFactor(all.x, all.d, p.target!);
    scaleInPlace(all.x, preprocess.factor);
  }
  const hash = createHash('sha256').update(Buffer.from(all.x.buffer, all.x.byteOffset, all.x.byteLength));
  if (all.labels) hash.update(Buffer.from(all.labels.buffer, all.labels.byteOffset, all.labels.byteLength));
  const sha256 = hash.digest('hex');
  const ds = spec.subset !== null ? stratifiedSubset(all, spec.subset, seed) : shuffle(all, seed);
  return { ds, sha256, rows: all.n, preprocess };
}
