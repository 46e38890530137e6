// The load phase of a run: the data file (or the bundled digits) read and checked, preprocessed,
// fingerprinted, and put in the run's order (a seeded shuffle, or a stratified subset).
import { createHash } from 'node:crypto';
import { stratifiedSubset, shuffle, type Dataset } from './dataset.js';
import { loadData } from './load.js';
import { paperFactor, scaleInPlace, type Preprocess } from './preprocess.js';

/** Which data a run trains on: the bundled digits or a file, its labels, and a subset size. */
export interface DataSpec {
  data: string; // 'mnist' or a path
  labels: string | null;
  /** A stratified subset of this many rows, or null for all. */
  subset: number | null;
}

/** The data of a run, ready to train on, with what identifies it. */
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
  return prepareDataset(loadData(spec.data, spec.labels ?? undefined, p), spec.subset, seed, p, fit);
}

/**
 * The same for data however it was loaded (loadData, datasetFromArray): `all` holds every row with
 * `p` applied; `all.x` may be rescaled in place (the 'paper' factor, where `fit`).
 */
export function prepareDataset(all: Dataset, subset: number | null, seed: number, p: Preprocess, fit = false): PreparedData {
  const preprocess = { ...all.preprocess! };
  if (fit && p.scale === 'paper') {
    preprocess.factor = paperFactor(all.x, all.d, p.target!);
    scaleInPlace(all.x, preprocess.factor);
  }
  const hash = createHash('sha256').update(Buffer.from(all.x.buffer, all.x.byteOffset, all.x.byteLength));
  if (all.labels) hash.update(Buffer.from(all.labels.buffer, all.labels.byteOffset, all.labels.byteLength));
  const sha256 = hash.digest('hex');
  const ds = subset !== null ? stratifiedSubset(all, subset, seed) : shuffle(all, seed);
  return { ds, sha256, rows: all.n, preprocess };
}
