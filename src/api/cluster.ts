// DEC on an array in one call: the same phases, config and outputs as `webgpu-dec train`, with the
// data given as numbers instead of a file, and the results returned as plain values.
import { join } from 'node:path';
import { datasetFromArray } from '../data/from-array.js';
import { prepareDataset } from '../data/prepare.js';
import { CONFIG_FILE, resolveConfig, scalingOf, type Overrides, type RunConfig } from '../run/config.js';
import type { RunHistory } from '../run/history.js';
import { modelBytes } from '../model/model-file.js';
import { MODEL_FILE, writeRunOutputs } from '../run/outputs.js';
import { runDec, type RunResult } from '../run/phases.js';
import type { ProgressSink } from '../nn/loop.js';
import { modelMetaOf } from '../run/outputs.js';
import { tsnePhase } from '../run/maps.js';
import { checkWritableDir, writeAtomic } from '../io/atomic.js';
import type { Scores } from '../metrics/clustering.js';
import { withDevice, type DeviceChoice } from './device.js';
import { loadModel, modelFromBytes, type DecModel } from './model.js';

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
   * assignments.csv, model.safetensors, history.json; tsne.csv with `tsnePoints`), from which
   * `writeReport(out, readRunDir(out))` builds report.html.
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
  const scaling = scalingOf(o);
  const all = datasetFromArray(x, { d, n, labels, name, image }, scaling);
  const { ds, sha256, rows, preprocess } = prepareDataset(all, null, o.seed ?? 0, scaling, true);
  const config = resolveConfig(o, { data: name, labels: ds.labels ? `${name} labels` : null, subset: null, rows, d, sha256, image: ds.image }, ds.n, preprocess);
  if (out) checkWritableDir(out, 'out');
  return withDevice({ device, adapter }, async (rt) => {
    if (out) writeAtomic(out, CONFIG_FILE, JSON.stringify(config, null, 2) + '\n');
    const r = await runDec(rt, ds, config, { progress: onProgress });
    let model: DecModel;
    try {
      if (out) {
        await writeRunOutputs(out, ds, r, config, { image: ds.image ?? null, adapter: rt.adapterName, gpuBytes: rt.pool.peak });
        model = loadModel(join(out, MODEL_FILE));
      } else model = modelFromBytes(await modelBytes(r.ae, r.centers, modelMetaOf(config, ds.image ?? null, rt.adapterName)));
    } finally {
      r.ae.dispose();
    }
    if (out && r.maps.length) await tsnePhase(rt, ds, config, r.maps, out, () => {});
    return {
      assignments: inInputOrder(r.labels, ds.index),
      confidence: inInputOrder(r.confidence, ds.index),
      centers: r.centers,
      scores: { dec: r.dec, aeKmeans: r.aeKmeans, rawKmeans: r.rawKmeans },
      iterations: r.decIterations,
      stoppedBy: r.stoppedBy,
      seconds: r.seconds,
      history: r.history,
      config,
      model,
    };
  });
}
