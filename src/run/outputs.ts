// What a run leaves behind, each file written to a temporary name and renamed:
// metrics.json, assignments.csv (rows in the order of the user's input file), model.safetensors and
// history.json (the curves).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { writeAtomic } from '../io/atomic.js';
import type { Scores } from '../metrics/clustering.js';
import { CHECKPOINT_FILE } from './checkpoint.js';
import { HISTORY_FILE } from './history.js';
import type { RunConfig } from './config.js';
import type { ModelMeta } from '../model/model-file.js';
import { packageVersion, sourceCommit } from '../io/version.js';
import type { RunResult } from './phases.js';

/** What the model file records about a run with config `cfg`. */
export function modelMetaOf(cfg: RunConfig, image: [number, number] | null, adapter: string): ModelMeta {
  return { dims: cfg.dims, k: cfg.k, alpha: cfg.dec.alpha, preprocess: cfg.preprocess, preset: cfg.preset, seed: cfg.seed, image, adapter };
}

/** The model's file name in a run folder. */
export const MODEL_FILE = 'model.safetensors';

/**
 * `index,cluster,confidence[,label]`, one row per point, sorted by `index`: the row of the input
 * file (`index[i]` for point i of the run, which may be shuffled or a subset).
 */
export function assignmentsCsv(index: ArrayLike<number> | undefined, cluster: Uint32Array, confidence: Float32Array, labels: Int32Array | null): string {
  const order = Array.from(cluster, (_, i) => i);
  if (index) order.sort((a, b) => index[a] - index[b]);
  const rows = [labels ? 'index,cluster,confidence,label' : 'index,cluster,confidence'];
  for (const i of order) rows.push(`${index ? index[i] : i},${cluster[i]},${confidence[i].toFixed(4)}${labels ? `,${labels[i]}` : ''}`);
  return rows.join('\n') + '\n';
}

export const round = (x: Scores | null) => x && { acc: +x.acc.toFixed(4), nmi: +x.nmi.toFixed(4), ari: +x.ari.toFixed(4) };

/** metrics.json: the scores of DEC and the baselines, seconds per phase, the run's settings. */
export function runMetrics(ds: Dataset, r: Omit<RunResult, 'ae'>, cfg: RunConfig, adapter: string, gpuBytes: number) {
  const sec = (v: number) => +v.toFixed(1);
  return {
    dec: round(r.dec),
    ae_kmeans: round(r.aeKmeans),
    raw_kmeans: round(r.rawKmeans),
    seconds: { pretrain: sec(r.seconds.pretrain), kmeans: sec(r.seconds.kmeans), dec: sec(r.seconds.dec), raw_kmeans: sec(r.seconds.rawKmeans), total: sec(r.seconds.total) },
    dec_iterations: r.decIterations,
    stopped_by: r.stoppedBy,
    seed: cfg.seed,
    preset: cfg.preset,
    adapter,
    data: { name: ds.name, n: ds.n, d: ds.d, k: cfg.k },
    /** Where the data's rows were: all on the GPU, or read from the file a window at a time (out-of-core). */
    data_mode: ds.stream ? { mode: 'out-of-core', window_rows: ds.stream.windowRows, block_rows: ds.stream.blockRows } : { mode: 'resident' },
    /** GPU buffers the run allocated (the pool keeps them for reuse, so this is its peak), MiB. */
    gpu_buffers_mib: +(gpuBytes / 2 ** 20).toFixed(1),
    nmi_normalisation: 'arithmetic mean of H(labels) and H(clusters)',
    /** What produced the figures: the package version, and the git commit where run from a checkout (else null). */
    version: packageVersion(),
    commit: sourceCommit(),
  };
}

/** What metrics.json holds. */
export type RunMetrics = ReturnType<typeof runMetrics>;

/**
 * Writes assignments.csv, model.safetensors (`model`: its bytes), metrics.json and history.json;
 * the checkpoint is removed once they are. Returns what metrics.json holds.
 */
export function writeRunOutputs(dir: string, ds: Dataset, r: Omit<RunResult, 'ae'>, cfg: RunConfig, model: Uint8Array, adapter: string, gpuBytes: number): RunMetrics {
  const metrics = runMetrics(ds, r, cfg, adapter, gpuBytes);
  writeAtomic(dir, 'assignments.csv', assignmentsCsv(ds.index, r.labels, r.confidence, ds.labels));
  writeAtomic(dir, MODEL_FILE, model);
  writeAtomic(dir, 'metrics.json', JSON.stringify(metrics, null, 2) + '\n');
  writeAtomic(dir, HISTORY_FILE, JSON.stringify(r.history) + '\n');
  rmSync(join(dir, CHECKPOINT_FILE), { force: true });
  return metrics;
}
