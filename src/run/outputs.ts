// What a run leaves behind, each file written to a temporary name and renamed:
// metrics.json, assignments.csv (rows in the order of the user's input file), model.safetensors and
// history.json (the curves).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { writeAtomic } from '../io/atomic.js';
import type { Scores } from '../metrics/clustering.js';
import { CHECKPOINT_FILE } from './checkpoint.js';
import { writeHistory } from '../records/history.js';
import type { RunConfig } from './config.js';
import type { ModelMeta } from '../model/model-file.js';
import { packageVersion, sourceCommit } from '../io/version.js';
import { ASSIGNMENTS_FILE, assignmentsCsv } from '../records/assignments.js';
import { writeMetrics, type RunMetrics, type Scores as RecordedScores } from '../records/metrics.js';
import type { RunResult } from './phases.js';

/** What the model file records about a run with config `cfg`. */
export function modelMetaOf(cfg: RunConfig, image: [number, number] | null, adapter: string): ModelMeta {
  return { dims: cfg.dims, k: cfg.k, alpha: cfg.dec.alpha, preprocess: cfg.preprocess, preset: cfg.preset, seed: cfg.seed, image, adapter };
}

/** The model's file name in a run folder. */
export const MODEL_FILE = 'model.safetensors';

/** Scores as metrics.json records them: 4 decimals. */
export const round = (x: Scores | null): RecordedScores | null => x && { acc: +x.acc.toFixed(4), nmi: +x.nmi.toFixed(4), ari: +x.ari.toFixed(4) };

/** metrics.json: the scores of DEC and the baselines, seconds per phase, the run's settings. */
export function runMetrics(ds: Dataset, r: Omit<RunResult, 'ae'>, cfg: RunConfig, adapter: string, gpuBytes: number): RunMetrics {
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
    data_mode: ds.stream ? { mode: 'out-of-core', window_rows: ds.stream.windowRows, block_rows: ds.stream.blockRows } : { mode: 'resident' },
    gpu_buffers_mib: +(gpuBytes / 2 ** 20).toFixed(1),
    nmi_normalisation: 'arithmetic mean of H(labels) and H(clusters)',
    version: packageVersion(),
    commit: sourceCommit(),
  };
}

/**
 * Writes assignments.csv, model.safetensors (`model`: its bytes), metrics.json and history.json;
 * the checkpoint is removed once they are. Returns what metrics.json holds.
 */
export function writeRunOutputs(dir: string, ds: Dataset, r: Omit<RunResult, 'ae'>, cfg: RunConfig, model: Uint8Array, adapter: string, gpuBytes: number): RunMetrics {
  const metrics = runMetrics(ds, r, cfg, adapter, gpuBytes);
  writeAtomic(dir, ASSIGNMENTS_FILE, assignmentsCsv(ds.index, r.labels, r.confidence, ds.labels));
  writeAtomic(dir, MODEL_FILE, model);
  writeMetrics(dir, metrics);
  writeHistory(dir, r.history);
  rmSync(join(dir, CHECKPOINT_FILE), { force: true });
  return metrics;
}
