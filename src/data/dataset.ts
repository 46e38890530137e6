// An in-memory data set: N rows of d features (f32), optional integer labels.
import { permutation } from '../random/rng.js';
import type { Preprocess } from './preprocess.js';

/** An in-memory data set: n points of d features (f32, row-major) and, optionally, integer labels. */
export interface Dataset {
  name: string;
  x: Float32Array; // [n, d] row-major
  n: number;
  d: number;
  labels: Int32Array | null; // [n], or null when unlabelled
  /** Each row's position in the source file (after shuffles and subsets); absent: 0..n-1. */
  index?: Uint32Array;
  /** Height × width when each row is an image. */
  image?: [number, number];
  /** How the values were scaled from the file's (see preprocess.ts). */
  preprocess?: Preprocess;
}

/** The rows `index` of ds, in that order. */
export function takeRows(ds: Dataset, index: ArrayLike<number>): Dataset {
  const x = new Float32Array(index.length * ds.d);
  for (let i = 0; i < index.length; i++) x.set(ds.x.subarray(index[i] * ds.d, (index[i] + 1) * ds.d), i * ds.d);
  const labels = ds.labels ? Int32Array.from(index, (i) => ds.labels![i]) : null;
  const source = Uint32Array.from(index, (i) => (ds.index ? ds.index[i] : i));
  return { name: ds.name, x, n: index.length, d: ds.d, labels, index: source, image: ds.image, preprocess: ds.preprocess };
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
