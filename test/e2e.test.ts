import { describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../src/data/mnist.js';
import { stratifiedSubset } from '../src/data/dataset.js';
import { runDec } from '../src/run/phases.js';
import { configFor, useRuntime } from './helpers.js';

const rt = useRuntime();

// The quick preset scaled to 1,000 points (batch 64, 60 epochs, 300 DEC iterations): about 50 s
// on lavapipe on a 2-core AVX-512 machine, 150 s on a 2-core AVX2 one; the code path is the one
// `npm start` takes.
describe('DEC end to end', () => {
  it('on 1,000 bundled digits beats k-means on the raw pixels', async () => {
    const ds = stratifiedSubset(loadBundledMnist(), 1000, 0); // shuffled, 100 per class or so
    expect(new Set(ds.labels).size).toBe(10);
    const cfg = configFor(ds, { seed: 0, batch: 64, epochs: 60, maxIter: 300, updateInterval: 50, kmeansRestarts: 10, rawKmeansRestarts: 3 });
    const r = await runDec(rt(), ds, cfg, { progress: () => {} });
    r.ae.dispose();
    expect(r.labels).toHaveLength(1000);
    expect(r.confidence.every((c) => c > 0 && c <= 1)).toBe(true);
    expect(r.dec!.acc).toBeGreaterThan(r.rawKmeans!.acc);
  });
});

describe('determinism of the whole pipeline', () => {
  it('the same seed gives the same assignments, centres and scores', async () => {
    const ds = stratifiedSubset(loadBundledMnist(), 200, 3);
    const cfg = configFor(ds, { seed: 3, dims: [32, 32, 64, 10], batch: 64, epochs: 3, maxIter: 30, updateInterval: 10, kmeansRestarts: 3, rawKmeansRestarts: 1 });
    const run = async () => {
      const r = await runDec(rt(), ds, cfg, { progress: () => {} });
      r.ae.dispose();
      return r;
    };
    const a = await run();
    const b = await run();
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(Array.from(b.centers)).toEqual(Array.from(a.centers));
    expect(b.dec).toEqual(a.dec);
  });
});
