// The pipeline in phases: data larger than one binding gives exactly the one-binding result, and
// the saved model, applied to the data in the file's own order, reproduces training's clusters.
import { afterEach, describe, expect, it } from 'vitest';
import { shuffle, type Dataset } from '../src/data/dataset.js';
import { assign } from '../src/dec/assign.js';
import { upload } from '../src/data/batches.js';
import { modelBytes, modelOnGpu, readModel } from '../src/model/model-file.js';
import { runDec } from '../src/run/phases.js';
import { gaussian, makeRng } from '../src/random/rng.js';
import { configFor, useRuntime } from './helpers.js';

const rt = useRuntime();

/** k Gaussian blobs in d dimensions, m points each, in class order (as a file might hold them). */
function blobs(k: number, d: number, m: number, seed: number): Dataset {
  const rng = makeRng(seed);
  const x = new Float32Array(k * m * d);
  const labels = new Int32Array(k * m);
  for (let j = 0; j < k; j++) {
    const centre = Array.from({ length: d }, () => 4 * rng() - 2);
    const noise = gaussian(m * d, 0.4, rng);
    for (let i = 0; i < m; i++) {
      for (let t = 0; t < d; t++) x[(j * m + i) * d + t] = centre[t] + noise[i * d + t];
      labels[j * m + i] = j;
    }
  }
  return { name: 'blobs', x, n: k * m, d, labels };
}

const [k, d] = [4, 20];
const file = blobs(k, d, 650, 7); // 2,600 points
const ds = shuffle(file, 1);
const cfg = configFor(ds, { seed: 1, k, dims: [16, 16, 32, 3], batch: 64, pretrainSteps: 40, maxIter: 40, updateInterval: 10, tol: 0, kmeansRestarts: 2, rawKmeansRestarts: 1 });
const run = async () => runDec(rt(), ds, cfg, { progress: () => {} });

afterEach(() => {
  delete process.env.WEBGPU_DEC_MAX_BINDING;
});

describe('the pipeline in phases', () => {
  it('data split into chunks (a lowered binding limit) gives exactly the one-chunk run', async () => {
    const whole = await run();
    // 1,024 rows of 20 floats a binding: x (and z, q, p) span 3 chunks.
    process.env.WEBGPU_DEC_MAX_BINDING = String(1024 * d * 4);
    const probe = upload(rt(), ds);
    expect(probe.chunks).toHaveLength(3);
    probe.dispose();
    const chunked = await run();
    expect(Array.from(chunked.labels)).toEqual(Array.from(whole.labels));
    expect(Array.from(chunked.confidence)).toEqual(Array.from(whole.confidence));
    expect(Array.from(chunked.centers)).toEqual(Array.from(whole.centers));
    expect([chunked.dec, chunked.aeKmeans, chunked.rawKmeans]).toEqual([whole.dec, whole.aeKmeans, whole.rawKmeans]);
    expect(whole.dec!.acc).toBeGreaterThan(0.9); // well-separated blobs: the run itself works
    whole.ae.dispose();
    chunked.ae.dispose();
  });

  it('the saved model applied to the file’s rows in their own order reproduces training’s clusters', async () => {
    const r = await run();
    const meta = { dims: cfg.dims, k, alpha: 1, preprocess: cfg.preprocess, image: null, preset: cfg.preset, seed: cfg.seed, adapter: 'test' };
    const model = modelOnGpu(rt(), readModel('model.safetensors', await modelBytes(r.ae, r.centers, meta)));
    const x = upload(rt(), file); // the file's order, not the run's shuffle
    const a = await assign(rt(), { ae: model.ae, mu: model.mu.buffer, k, alpha: 1 }, x, { confidence: true });
    for (let i = 0; i < ds.n; i++) {
      expect(a.hard[ds.index![i]]).toBe(r.labels[i]);
      expect(a.confidence![ds.index![i]]).toBe(r.confidence[i]); // blocks of one shape: the same arithmetic per point
    }
    [x, model.ae, model.mu, r.ae].forEach((t) => t.dispose());
  });
});
