// DEC on an array in one call: the job `webgpu-dec train` runs (src/run/job.ts), with the data
// given as numbers instead of a file, and the results returned as plain values.
import { join } from 'node:path';
import type { Overrides, RunConfig } from '../run/config.js';
import type { RunHistory } from '../records/history.js';
import { newArrayJob, runJob } from '../run/job.js';
import { MODEL_FILE } from '../run/outputs.js';
import type { RunResult } from '../run/phases.js';
import type { ProgressSink } from '../nn/loop.js';
import type { Scores } from '../metrics/clustering.js';
import { withDevice, type DeviceChoice } from './device.js';
import { modelFromBytes, type DecModel } from './model.js';

/**
 * Options of {@link cluster}: the data's shape, then any of the run's settings (the `train` flags,
 * camel-cased: `k`, `preset`, `seed`, `dims`, `pretrainSteps`, `maxIter`, …); whatever is unset
 * comes from the preset ('quick' by default), except `tsnePoints`, 0 (no t-SNE maps) by default.
 */
export interface ClusterOptions extends Overrides, DeviceChoice {
  /** Features per point. */
  d: number;
  /** Points (default: `x.length / d`). */
  n?: number;
  /** One integer class id per point: scores the clusters (ACC, NMI, ARI). */
  labels?: ArrayLike<number>;
  /** A name for the data in config.json and the report (default "array"). */
  name?: string;
  /** Height × width when each row is an image (h · w = d): for `augment` and the report. */
  image?: [number, number];
  /** Called with each progress event (phase, step, loss, changed share); default: silent. */
  onProgress?: ProgressSink;
  /**
   * Also write the run folder `webgpu-dec train --out` writes (config.json, metrics.json,
   * assignments.csv, model.safetensors, history.json, report.html; tsne.csv and tsne.json with
   * `tsnePoints`).
   */
  out?: string;
}

/** What {@link cluster} returns; per-point arrays are in the order of `x`. */
export interface ClusterResult {
  /** The cluster of each point (0 … k−1): argmax_j q_ij of the final model. */
  assignments: Uint32Array;
  /** max_j q_ij of each point. */
  confidence: Float32Array;
  /** The cluster centres μ in the embedding: [k, d_z], row-major. */
  centers: Float32Array;
  /** ACC / NMI / ARI of DEC and of the two baselines (null without labels, or a skipped baseline). */
  scores: { dec: Scores | null; aeKmeans: Scores | null; rawKmeans: Scores | null };
  /** DEC iterations run, and why DEC stopped. */
  iterations: number;
  stoppedBy: 'tol' | 'max_iter';
  /** Seconds per phase. */
  seconds: RunResult['seconds'];
  /** The curves: reconstruction loss per logged epoch; KL, changed share (and scores) per target update. */
  history: RunHistory;
  /** The resolved configuration (what config.json holds). */
  config: RunConfig;
  /** The trained model, for {@link predict}, {@link embed} and {@link saveModel}. */
  model: DecModel;
}

/** `values[i]` of the run's point i at the input row it came from. */
function inInputOrder<T extends Uint32Array | Float32Array>(values: T, index: Uint32Array | undefined): T {
  if (!index) return values;
  const out = new (values.constructor as new (n: number) => T)(values.length);
  for (let i = 0; i < values.length; i++) out[index[i]] = values[i];
  return out;
}

/**
 * Deep Embedded Clustering of the rows of `x` ([n, d], row-major): pretrains the autoencoder,
 * initialises the centres by k-means on the embedding and runs DEC, exactly as `webgpu-dec train`
 * does with the same settings (the 'quick' preset by default: sized for the 784-pixel digits;
 * small data wants smaller `dims` and fewer steps).
 */
export async function cluster(x: ArrayLike<number>, options: ClusterOptions): Promise<ClusterResult> {
  const { d, n, labels, name = 'array', image, onProgress = () => {}, out, device, adapter, ...settings } = options;
  const o: Overrides = { tsnePoints: 0, ...settings };
  const job = newArrayJob(x, { d, n, labels, name, image }, o, out ?? null);
  const { run: r, model } = await withDevice({ device, adapter }, (rt) => runJob(rt, job, { progress: onProgress }));
  const index = job.ds.index;
  return {
    assignments: inInputOrder(r.labels, index),
    confidence: inInputOrder(r.confidence, index),
    centers: r.centers,
    scores: { dec: r.dec, aeKmeans: r.aeKmeans, rawKmeans: r.rawKmeans },
    iterations: r.decIterations,
    stoppedBy: r.stoppedBy,
    seconds: r.seconds,
    history: r.history,
    config: job.cfg,
    model: modelFromBytes(model, out ? join(out, MODEL_FILE) : 'model'),
  };
}
