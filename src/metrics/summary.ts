// Summaries of several runs' scores: the methods a run scores (as metrics.json names them) and
// mean ± std over seeds. The experiments' tables and their pages both use these.

/** The three methods a run scores: metrics.json's key and the name tables show. */
export const METHODS = [
  ['raw_kmeans', 'k-means on the inputs'],
  ['ae_kmeans', 'AE + k-means'],
  ['dec', 'DEC'],
] as const;

/** Mean and (population) standard deviation. */
export function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std };
}

/** "0.843" or "0.843 ± 0.012" (several seeds). */
export function fmtMeanStd(values: number[]): string {
  const { mean, std } = meanStd(values);
  return values.length > 1 ? `${mean.toFixed(3)} ± ${std.toFixed(3)}` : mean.toFixed(3);
}
