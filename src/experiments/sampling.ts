// The data the paper's two extra experiments train on: an imbalanced subsample (§5, "Performance on
// Imbalanced Data") and a stratified train / validation split (the number-of-clusters experiment).
// All randomness from the seed.
import { takeRows, type Dataset } from '../data/dataset.js';
import { makeRng, permutation } from '../random/rng.js';

export type ImbalanceMode = 'paper' | 'class0';

/**
 * The retention probability of each class (in ascending label order): 'paper', the first class
 * r_min, the last 1, linearly in between (on MNIST 0 → r_min … 9 → 1, so the largest cluster is
 * 1/r_min times the smallest); 'class0', the first class r_min and every other 1.
 */
export function retention(classes: number[], rmin: number, mode: ImbalanceMode): Map<number, number> {
  const sorted = [...classes].sort((a, b) => a - b);
  const last = sorted.length - 1;
  const paper = (r: number) => (r === last ? 1 : rmin + ((1 - rmin) * r) / last); // the last exactly 1
  return new Map(sorted.map((c, r) => [c, mode === 'class0' ? (r === 0 ? rmin : 1) : paper(r)]));
}

/** Each point kept with its class's retention probability (one seeded draw per point, in row order). */
export function imbalancedSubset(ds: Dataset, rmin: number, mode: ImbalanceMode, seed: number): Dataset {
  if (!ds.labels) throw new Error('the imbalance experiment needs labels');
  const keep = retention([...new Set(ds.labels)], rmin, mode);
  const rng = makeRng(`imbalance:${mode}:${rmin}:${seed}`);
  const rows: number[] = [];
  for (let i = 0; i < ds.n; i++) if (rng() < keep.get(ds.labels[i])!) rows.push(i);
  return takeRows(ds, rows);
}

/** Points per class, ascending label order. */
export function classSizes(labels: ArrayLike<number>): Record<string, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => a[0] - b[0]).map(([c, n]) => [String(c), n]));
}

/**
 * A seeded split: `fraction` of each class (largest remainders over classes; without labels, of all
 * points) held out for validation. Both parts come back in shuffled order.
 */
export function trainValidationSplit(ds: Dataset, fraction: number, seed: number): { train: Dataset; validation: Dataset } {
  const order = permutation(ds.n, `split:${seed}`);
  const groups = new Map<number, number[]>();
  for (const i of order) {
    const c = ds.labels ? ds.labels[i] : 0;
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(i);
  }
  // Largest remainders: the validation part has round(fraction · n) points, shared by class size.
  const total = Math.round(fraction * ds.n);
  const classes = [...groups.keys()].sort((a, b) => a - b);
  const exact = classes.map((c) => fraction * groups.get(c)!.length);
  const take = exact.map(Math.floor);
  let left = total - take.reduce((a, b) => a + b, 0);
  const byRemainder = classes.map((_, i) => i).sort((a, b) => exact[b] - take[b] - (exact[a] - take[a]) || a - b);
  for (const i of byRemainder) if (left-- > 0) take[i]++;
  const val: number[] = [];
  const train: number[] = [];
  classes.forEach((c, i) => {
    const g = groups.get(c)!;
    val.push(...g.slice(0, take[i]));
    train.push(...g.slice(take[i]));
  });
  const shuffled = (rows: number[], tag: string) => {
    const p = permutation(rows.length, `${tag}:${seed}`);
    return Array.from(p, (j) => rows[j]);
  };
  return { train: takeRows(ds, shuffled(train, 'train')), validation: takeRows(ds, shuffled(val, 'validation')) };
}
