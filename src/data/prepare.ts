// The load phase of a run: the data file (or the bundled digits) read and checked, preprocessed,
// fingerprinted, and put in the run's order (a seeded shuffle, or a stratified subset). A file's
// values stay in the file: the run's order is a list of its row numbers.
import { createHash } from 'node:crypto';
import { stratifiedSubset, shuffle, takeRows, type Dataset } from './dataset.js';
import { loadData, scanFile, type ReadOptions } from './load.js';
import { windowedOrder } from './streamed.js';
import { factorFor, paperFactor, scaleInPlace, type Preprocess } from './preprocess.js';

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
  /**
   * SHA-256 of all rows of the data and the labels: of a file's values as read, of an array's or
   * the bundled digits' values after preprocessing.
   */
  sha256: string;
  /** Rows in the file. */
  rows: number;
  /** The preprocessing as applied (with the 'paper' factor chosen where `fit`). */
  preprocess: Preprocess;
}

/**
 * `fit`: choose the 'paper' factor on this data (a new run); otherwise apply `p` as stored (a
 * resumed run, `predict`), which gives the very same values. `read`: a file's GPU memory budget
 * and progress (load.ts).
 */
export async function prepareData(spec: DataSpec, seed: number, p: Preprocess, fit = false, read: ReadOptions = {}): Promise<PreparedData> {
  if (spec.data === 'mnist') return prepareDataset(await loadData(spec.data, spec.labels ?? undefined, p), spec.subset, seed, p, fit);
  const { ds: all, sha256, meanSq } = await scanFile(spec.data, spec.labels, p, read);
  const preprocess = { ...all.preprocess! };
  if (fit && p.scale === 'paper') preprocess.factor = factorFor(meanSq, p.target!);
  return { ds: inRunOrder({ ...all, preprocess }, spec.subset, seed), sha256, rows: all.n, preprocess };
}

/**
 * The run's order: a stratified subset of `subset` rows, or all rows shuffled. Out-of-core, the
 * same rows in a windowed order (streamed.ts): a window is then a few stretches of the file.
 */
function inRunOrder(all: Dataset, subset: number | null, seed: number): Dataset {
  const ds = subset !== null ? stratifiedSubset(all, subset, seed) : shuffle(all, seed);
  return all.stream ? takeRows(ds, windowedOrder(ds.index!, all.stream, `order:${seed}`)) : ds;
}

/**
 * The same for data in memory (the bundled digits, datasetFromArray): `all` holds every row with
 * `p` applied; `all.x` may be rescaled in place (the 'paper' factor, where `fit`).
 */
export function prepareDataset(all: Dataset, subset: number | null, seed: number, p: Preprocess, fit = false): PreparedData {
  const x = all.x!;
  const preprocess = { ...all.preprocess! };
  if (fit && p.scale === 'paper') {
    preprocess.factor = paperFactor(x, all.d, p.target!);
    scaleInPlace(x, preprocess.factor);
  }
  const hash = createHash('sha256').update(Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  if (all.labels) hash.update(Buffer.from(all.labels.buffer, all.labels.byteOffset, all.labels.byteLength));
  const sha256 = hash.digest('hex');
  return { ds: inRunOrder({ ...all, preprocess }, subset, seed), sha256, rows: all.n, preprocess };
}
