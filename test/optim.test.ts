import { describe, expect, it } from 'vitest';
import { Adam, Sgd } from '../src/nn/optim.js';
import { ChunkedRows, fromArray, keep } from '../src/tensor/index.js';
import { ShuffledBatches } from '../src/dec/batches.js';
import { expectClose, randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();
const tol = { atol: 1e-6, rtol: 1e-5 };

describe('optimiser kernels match the float64 reference', () => {
  it('SGD: momentum, weight decay and the per-parameter learning-rate multiplier, over 3 steps', async () => {
    const n = 257;
    const p0 = randomArray(n, 'p');
    const grads = [1, 2, 3].map((s) => randomArray(n, `g${s}`));
    const param = keep(fromArray(rt(), p0, 1, n, true));
    const lr = 0.1, mu = 0.9, wd = 0.01, mult = 2;
    const opt = new Sgd(rt(), [{ param, lrMult: mult, decayMult: 1 }], { lr, momentum: mu, weightDecay: wd });
    const p = Float64Array.from(p0);
    const v = new Float64Array(n);
    for (const g of grads) {
      param.grad = keep(fromArray(rt(), g, 1, n));
      opt.step();
      for (let i = 0; i < n; i++) {
        v[i] = mu * v[i] + lr * mult * (g[i] + wd * p[i]);
        p[i] -= v[i];
      }
    }
    expectClose(await param.toArray(), p, tol);
    expect(param.grad).toBeNull(); // step() consumes the gradients
  });

  it('Adam with bias correction, over 3 steps', async () => {
    const n = 13;
    const p0 = randomArray(n, 'ap');
    const grads = [1, 2, 3].map((s) => randomArray(n, `ag${s}`));
    const param = keep(fromArray(rt(), p0, 1, n, true));
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const opt = new Adam(rt(), [{ param }], { lr, beta1: b1, beta2: b2, eps });
    const p = Float64Array.from(p0);
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    grads.forEach((g, step) => {
      param.grad = keep(fromArray(rt(), g, 1, n));
      opt.step();
      const t = step + 1;
      for (let i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        p[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
    });
    expectClose(await param.toArray(), p, { atol: 1e-6, rtol: 1e-4 });
  });
});

describe('minibatch gather', () => {
  it('batch rows follow the permutation (7 × 13 data, batches of 3), in one chunk or several', async () => {
    const x = randomArray(7 * 13, 'gx');
    const perm = new Uint32Array([6, 2, 0, 5, 1, 3, 4]);
    const ref = [5, 1, 3].flatMap((r) => Array.from(x.subarray(r * 13, (r + 1) * 13)));
    for (const rowsPerChunk of [7, 2]) {
      const data = ChunkedRows.upload(rt(), { rows: 7, rowsPerChunk, blockRows: rowsPerChunk }, 13, x);
      expect(data.chunks).toHaveLength(Math.ceil(7 / rowsPerChunk));
      const batches = new ShuffledBatches(rt(), data);
      batches.setPermutation(perm);
      expectClose(await batches.batch(3, 3).toArray(), ref, { atol: 0, rtol: 0 });
      batches.dispose();
      data.dispose();
    }
  });
  it('contiguous slices may straddle chunks', async () => {
    const x = randomArray(9 * 5, 'sx');
    const data = ChunkedRows.upload(rt(), { rows: 9, rowsPerChunk: 4, blockRows: 4 }, 5, x);
    expectClose(await data.slice(2, 6).toArray(), x.subarray(2 * 5, 8 * 5), { atol: 0, rtol: 0 });
    expectClose(await data.read(), x, { atol: 0, rtol: 0 });
    data.dispose();
  });
});
