// The last phase of a run: t-SNE maps of the embedding of a random subset, after pretraining and
// after DEC (the paper's Figure 5), written as tsne.csv + tsne.json for the report. The subset is
// the first points of the run's seeded order (a shuffle or a stratified sample: a random subset);
// its embedding after pretraining is taken when pretraining ends and carried in the checkpoints.
import type { Runtime } from '../gpu/runtime.js';
import type { Dataset } from '../data/dataset.js';
import { writeTsne, type TsneInfo, type TsneRows } from '../records/tsne.js';
import type { RowSource } from '../tensor/index.js';
import type { Autoencoder } from '../nn/autoencoder.js';
import { MAX_MAP_POINTS, tsne, type TsneProgress, type TsneResult } from '../tsne/tsne.js';
import { encodeAll } from '../dec/assign.js';
import type { RunConfig } from './config.js';

/** The subset size: cfg.tsnePoints ('auto': every point, up to MAX_MAP_POINTS), at most n. */
export function tsnePointsFor(cfg: RunConfig, n: number): number {
  const wanted = cfg.tsnePoints === 'auto' ? MAX_MAP_POINTS : cfg.tsnePoints;
  const m = Math.min(wanted, n);
  return m >= 12 ? m : 0;
}

/** z = f_θ(x) of the first m points (rows 0 … m−1 of the run's order), [m, d_z]. */
export async function embedFirst(ae: Autoencoder, x: RowSource, m: number): Promise<Float32Array> {
  const z = await encodeAll(ae, x);
  const all = await z.read();
  z.dispose();
  return all.slice(0, m * z.cols);
}

/** scikit-learn's schedule: 1,000 iterations (250 of them with early exaggeration). */
const ITERATIONS = 1000;

/**
 * The fft method's largest node grid for the run's maps: 256 × 256 (42 intervals a side), so that
 * maps of all 10,000 digits take about what maps of 2,000 took exactly (~12 s each here). The
 * intervals then grow past 1 unit once the map is wider than 42 (about 2 units at the digits'
 * final extent, against FIt-SNE's 1): the local neighbourhoods are kept (T(5) 0.9972 against
 * 0.9975 with a 512 grid on the digits' DEC embedding), the repulsion between far clusters is
 * coarser and the map more compact. `webgpu-dec tsne` keeps the finer grid (up to 2,048).
 */
export const RUN_MAP_GRID = 256;

/** scikit-learn needs perplexity < n; a small subset gets a third of its points. */
export const perplexityFor = (m: number) => Math.min(30, Math.floor((m - 1) / 3));

/** The embedding of the t-SNE subset at one stage of a run, with its clusters. */
export interface StageMap {
  stage: 'pretrain' | 'dec';
  /** [m, d_z] the subset's embedding. */
  z: Float32Array;
  /** [m] cluster of each subset point at that stage (AE + k-means, DEC). */
  cluster: Uint32Array;
}

/**
 * t-SNE of each stage's embedding; writes tsne.csv (index,stage,x,y,cluster[,label], index = row
 * of the input file) and tsne.json (settings; KL, trustworthiness T(5) and seconds per stage).
 */
export async function tsnePhase(rt: Runtime, ds: Dataset, cfg: RunConfig, maps: StageMap[], dir: string, progress: (stage: string, e: TsneProgress) => void): Promise<void> {
  if (!maps.length) return;
  const m = maps[0].cluster.length;
  const dz = cfg.dims[cfg.dims.length - 1];
  const perplexity = perplexityFor(m);
  const results: [StageMap, TsneResult][] = [];
  for (const map of maps) {
    results.push([map, await tsne(rt, map.z, m, dz, { perplexity, iterations: ITERATIONS, seed: cfg.seed, maxGrid: RUN_MAP_GRID, onProgress: (e) => progress(map.stage, e) })]);
  }
  const m2 = results.length * m;
  const rows: TsneRows = { index: new Int32Array(m2), stage: new Array<string>(m2), x: new Float32Array(m2), y: new Float32Array(m2), cluster: new Uint32Array(m2), label: ds.labels ? new Int32Array(m2) : null };
  results.forEach(([map, r], s) => {
    for (let i = 0; i < m; i++) {
      const at = s * m + i;
      rows.index[at] = ds.index ? ds.index[i] : i;
      rows.stage[at] = map.stage;
      rows.x[at] = r.y[2 * i];
      rows.y[at] = r.y[2 * i + 1];
      rows.cluster[at] = map.cluster[i];
      if (rows.label) rows.label[at] = ds.labels![i];
    }
  });
  const stages = Object.fromEntries(
    results.map(([map, r]) => [
      map.stage,
      { kl: +r.kl.toFixed(5), trustworthiness: +(r.trustworthiness ?? NaN).toFixed(5), trustworthiness_points: r.trustworthinessPoints, seconds: +r.seconds.toFixed(2), method: r.method, learning_rate: +r.learningRate.toFixed(3) },
    ]),
  );
  const info: TsneInfo = { n: m, perplexity, iterations: ITERATIONS, init: 'pca', subset: 'the first points of the run order (a seeded random subset)', max_grid: RUN_MAP_GRID, stages };
  writeTsne(dir, { rows, info });
}
