import { describe, it } from 'vitest';
import { Autoencoder } from '../src/nn/autoencoder.js';
import { makeRng } from '../src/random/rng.js';
import { fromArray, mseLoss, tidy } from '../src/tensor/index.js';
import { expectClose, randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();

describe('the autoencoder', () => {
  it('reconstruction-loss gradients of every weight match finite differences (6-5-4-3 and mirror)', async () => {
    const ae = new Autoencoder(rt(), [6, 5, 4, 3], { kind: 'uniform-fan-in' }, makeRng(4));
    const x = fromArray(rt(), randomArray(7 * 6, 'ae-x', 0, 1), 7, 6);
    const loss = () => tidy(() => mseLoss(ae.decode(ae.encode(x)), x));
    tidy(() => mseLoss(ae.decode(ae.encode(x)), x).backward());
    const h = 1e-2;
    for (const layer of ae.layers) {
      const w = layer.weight;
      if (!w.grad) throw new Error(`no grad for ${layer.inFeatures}→${layer.outFeatures}`);
      const analytic = await w.grad.toArray();
      const base = await w.toArray();
      const numeric = new Float64Array(base.length);
      for (let i = 0; i < base.length; i++) {
        const probe = async (delta: number) => {
          const v = base.slice();
          v[i] += delta;
          rt().write(w.buffer, v);
          const l = loss();
          const [value] = await l.toArray();
          l.dispose();
          return value;
        };
        numeric[i] = ((await probe(h)) - (await probe(-h))) / (2 * h);
      }
      rt().write(w.buffer, base);
      expectClose(analytic, numeric, { atol: 2e-4, rtol: 5e-2 }, `layer ${layer.inFeatures}→${layer.outFeatures}`);
    }
  });
});
