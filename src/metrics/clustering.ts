// Clustering quality against ground-truth labels: ACC (best one-to-one map, Hungarian), NMI
// (arithmetic-mean normalisation: I(Y; C) / ((H(Y) + H(C)) / 2), as scikit-learn's default), ARI.
import { hungarian } from './hungarian.js';

interface Table {
  counts: number[][]; // [cluster][class]
  rowSums: number[];
  colSums: number[];
  n: number;
}

function contingency(labels: ArrayLike<number>, clusters: ArrayLike<number>): Table {
  if (labels.length !== clusters.length) throw new Error(`metrics: ${labels.length} labels vs ${clusters.length} cluster ids`);
  const classIds = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const clusterIds = [...new Set(Array.from(clusters))].sort((a, b) => a - b);
  const ci = new Map(classIds.map((c, i) => [c, i]));
  const ki = new Map(clusterIds.map((c, i) => [c, i]));
  const counts = clusterIds.map(() => new Array<number>(classIds.length).fill(0));
  for (let i = 0; i < labels.length; i++) counts[ki.get(clusters[i])!][ci.get(labels[i])!]++;
  const rowSums = counts.map((r) => r.reduce((a, b) => a + b, 0));
  const colSums = classIds.map((_, j) => counts.reduce((a, r) => a + r[j], 0));
  return { counts, rowSums, colSums, n: labels.length };
}

/** Unsupervised clustering accuracy: the share of points right under the best cluster→class map. */
export function accuracy(labels: ArrayLike<number>, clusters: ArrayLike<number>): number {
  const { counts, n } = contingency(labels, clusters);
  const size = Math.max(counts.length, counts[0]?.length ?? 0);
  const max = Math.max(0, ...counts.flat());
  const cost = Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) => max - (counts[i]?.[j] ?? 0)));
  const match = hungarian(cost);
  let right = 0;
  match.forEach((j, i) => (right += counts[i]?.[j] ?? 0));
  return right / n;
}

const entropy = (sums: number[], n: number) => -sums.reduce((h, s) => (s > 0 ? h + (s / n) * Math.log(s / n) : h), 0);

/** Normalised mutual information, arithmetic-mean normalisation. */
export function nmi(labels: ArrayLike<number>, clusters: ArrayLike<number>): number {
  const { counts, rowSums, colSums, n } = contingency(labels, clusters);
  let mi = 0;
  counts.forEach((row, i) =>
    row.forEach((c, j) => {
      if (c > 0) mi += (c / n) * Math.log((c * n) / (rowSums[i] * colSums[j]));
    }),
  );
  const hk = entropy(rowSums, n);
  const hc = entropy(colSums, n);
  if (hk === 0 && hc === 0) return 1; // both trivial partitions: identical
  const denom = (hk + hc) / 2;
  return denom > 0 ? Math.max(0, mi / denom) : 0;
}

/** Adjusted Rand index (Hubert & Arabie, 1985). */
export function ari(labels: ArrayLike<number>, clusters: ArrayLike<number>): number {
  const { counts, rowSums, colSums, n } = contingency(labels, clusters);
  const c2 = (x: number) => (x * (x - 1)) / 2;
  const index = counts.flat().reduce((a, c) => a + c2(c), 0);
  const a = rowSums.reduce((s, x) => s + c2(x), 0);
  const b = colSums.reduce((s, x) => s + c2(x), 0);
  const expected = (a * b) / c2(n);
  const max = (a + b) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

/** Clustering scores against labels: ACC (best one-to-one map), NMI (arithmetic normalisation), ARI. */
export interface Scores {
  acc: number;
  nmi: number;
  ari: number;
}

/** ACC, NMI and ARI of `clusters` against `labels`. */
export function scores(labels: ArrayLike<number>, clusters: ArrayLike<number>): Scores {
  return { acc: accuracy(labels, clusters), nmi: nmi(labels, clusters), ari: ari(labels, clusters) };
}
