// The confusion matrix (cluster × label counts) and the Hungarian cluster → label map that ACC
// uses, so the report shows which label each cluster stands for. Rows are ordered by their mapped
// label, so a good clustering reads as a diagonal.
import { hungarian } from '../metrics/hungarian.js';

export interface Confusion {
  /** Every cluster id 0..k-1, empty ones included (an empty cluster is worth seeing). */
  clusters: number[];
  /** The label values present, ascending. */
  labels: number[];
  /** counts[c][j]: points in cluster clusters[c] with label labels[j]. */
  counts: number[][];
  /** cluster id → the label the best one-to-one map gives it; null where k exceeds the labels. */
  mapping: Map<number, number | null>;
  /** Cluster ids in display order: by mapped label, unmatched clusters last. */
  rowOrder: number[];
}

export function confusion(cluster: ArrayLike<number>, label: ArrayLike<number>, k: number): Confusion {
  let kk = k;
  for (let i = 0; i < cluster.length; i++) kk = Math.max(kk, cluster[i] + 1);
  const clusters = Array.from({ length: kk }, (_, c) => c);
  const labels = [...new Set(Array.from(label))].sort((a, b) => a - b);
  const col = new Map(labels.map((l, j) => [l, j]));
  const counts = clusters.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < cluster.length; i++) counts[cluster[i]][col.get(label[i])!]++;

  // Maximise matched counts = minimise (max − count) on a square matrix padded with zeros.
  const size = Math.max(clusters.length, labels.length);
  const max = Math.max(0, ...counts.flat());
  const cost = Array.from({ length: size }, (_, c) => Array.from({ length: size }, (_, j) => max - (counts[c]?.[j] ?? 0)));
  const match = hungarian(cost);
  const mapping = new Map(clusters.map((c) => [c, match[c] < labels.length ? labels[match[c]] : null]));

  const rank = (c: number) => (mapping.get(c) === null ? Infinity : col.get(mapping.get(c)!)!);
  const rowOrder = [...clusters].sort((a, b) => rank(a) - rank(b) || a - b);
  return { clusters, labels, counts, mapping, rowOrder };
}

/** "cluster 3 → label 7", or "cluster 3 → (none)" for a cluster the map leaves unmatched. */
export function rowName(c: Confusion, cluster: number): string {
  const l = c.mapping.get(cluster);
  return `cluster ${cluster} → ${l === null || l === undefined ? '(none)' : `label ${l}`}`;
}
