// The whole method, end to end: raw k-means baseline, SDAE pretraining, k-means on the embedding,
// DEC, and the metrics of each.
import type { Runtime } from '../gpu/runtime.js';
import { Autoencoder } from '../nn/autoencoder.js';
import { makeRng } from '../nn/init.js';
import type { Dataset } from '../data/dataset.js';
import { scores, type Scores } from '../metrics/clustering.js';
import { upload } from './batches.js';
import { encodeAll, trainDec, type DecConfig } from './dec-train.js';
import { kmeans } from './kmeans.js';
import { pretrainEndToEnd, pretrainLayerwise } from './pretrain.js';
import type { Preset } from './presets.js';
import type { ProgressSink } from './progress.js';

export interface RunOptions {
  preset: Preset;
  k: number;
  seed: number;
  dec: DecConfig;
  kmeansRestarts: number;
  rawKmeansRestarts: number;
  progress: ProgressSink;
}

export interface RunResult {
  dec: Scores | null;
  aeKmeans: Scores | null;
  rawKmeans: Scores | null;
  seconds: { pretrain: number; kmeans: number; dec: number; rawKmeans: number; total: number };
  decIterations: number;
  stoppedBy: 'tol' | 'max_iter';
  labels: Uint32Array;
  confidence: Float32Array;
  centers: Float32Array;
  ae: Autoencoder;
}

const since = (t: number) => (performance.now() - t) / 1000;

/** Runs DEC on `ds` (already shuffled). The caller disposes `result.ae`. */
export async function runDec(rt: Runtime, ds: Dataset, o: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const x = upload(rt, ds);
  const score = (labels: Uint32Array) => (ds.labels ? scores(ds.labels, labels) : null);
  try {
    let t = performance.now();
    o.progress({ phase: 'raw k-means', step: 0, total: o.rawKmeansRestarts, elapsedS: 0 });
    const raw = o.rawKmeansRestarts > 0 ? await kmeans(rt, x.buffer, ds.n, ds.d, { k: o.k, restarts: o.rawKmeansRestarts, seed: o.seed }) : null;
    const rawSeconds = since(t);

    t = performance.now();
    const ae = new Autoencoder(rt, o.preset.dims(ds.d), o.preset.init, makeRng(`init:${o.seed}`));
    const ctx = { rt, x, seed: o.seed, progress: o.progress, logEvery: 20 };
    const pre = o.preset.pretrain;
    if (pre.recipe === 'layerwise') await pretrainLayerwise(ctx, ae, pre.cfg);
    else await pretrainEndToEnd(ctx, ae, pre.cfg);
    await rt.sync();
    const pretrainSeconds = since(t);

    t = performance.now();
    const z = encodeAll(ae, x);
    o.progress({ phase: 'k-means', step: 0, total: o.kmeansRestarts, elapsedS: 0 });
    const init = await kmeans(rt, z.buffer, ds.n, z.cols, { k: o.k, restarts: o.kmeansRestarts, seed: o.seed });
    z.dispose();
    const kmeansSeconds = since(t);

    t = performance.now();
    const dec = await trainDec(rt, ae, x, init.centers, o.dec, o.progress);
    const decSeconds = since(t);
    return {
      dec: score(dec.labels),
      aeKmeans: score(init.labels),
      rawKmeans: raw ? score(raw.labels) : null,
      seconds: { pretrain: pretrainSeconds, kmeans: kmeansSeconds, dec: decSeconds, rawKmeans: rawSeconds, total: since(t0) },
      decIterations: dec.iterations,
      stoppedBy: dec.stoppedBy,
      labels: dec.labels,
      confidence: dec.confidence,
      centers: dec.centers,
      ae,
    };
  } finally {
    x.dispose();
  }
}
