import { describe, expect, it } from 'vitest';
import { Linear } from '../src/nn/linear.js';
import { makeRng } from '../src/random/rng.js';
import { Adam, Sgd } from '../src/nn/optim.js';
import { dropout, DropoutRng, fromArray, keep, matmul, mseLoss, noGrad, relu, tidy, type Tensor } from '../src/tensor/index.js';
import type { Runtime } from '../src/gpu/runtime.js';
import { randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();

/** A teacher network's outputs: a toy regression problem a small MLP can learn. */
function toyProblem(r: Runtime, n: number, dIn: number, dOut: number) {
  const x = randomArray(n * dIn, 'toy-x');
  const w1 = randomArray(dIn * 16, 'toy-w1');
  const w2 = randomArray(16 * dOut, 'toy-w2');
  const X = keep(fromArray(r, x, n, dIn));
  const Y = keep(noGrad(() => matmul(relu(matmul(X, fromArray(r, w1, dIn, 16))), fromArray(r, w2, 16, dOut))));
  return { X, Y };
}

function mlp(r: Runtime, seed: number, sizes: number[]): Linear[] {
  const rng = makeRng(seed);
  return sizes.slice(1).map((d, i) => new Linear(r, sizes[i], d, i < sizes.length - 2, { kind: 'uniform-fan-in' }, rng));
}

function forward(layers: Linear[], x: Tensor, drop?: { rng: DropoutRng; rate: number }): Tensor {
  let h = x;
  layers.forEach((l, i) => {
    if (drop && i > 0) h = dropout(h, drop.rate, drop.rng, i);
    h = l.forward(h);
  });
  return h;
}

describe('training with the engine', () => {
  it('a small MLP learns a toy problem: loss falls at least 10×', async () => {
    const { X, Y } = toyProblem(rt(), 256, 8, 4);
    const layers = mlp(rt(), 1, [8, 32, 32, 4]);
    const opt = new Sgd(rt(), layers.flatMap((l) => l.params.map((param) => ({ param }))), { lr: 0.05, momentum: 0.9 });
    const losses: number[] = [];
    for (let step = 0; step < 300; step++) {
      const loss = tidy(() => {
        const l = mseLoss(forward(layers, X), Y);
        l.backward();
        opt.step();
        return l;
      });
      if (step === 0 || step === 299) losses.push((await loss.toArray())[0]);
      loss.dispose();
      rt().flush();
    }
    expect(losses[1]).toBeLessThan(losses[0] / 10);
  });

  it('Adam also trains it (loss falls at least 10×)', async () => {
    const { X, Y } = toyProblem(rt(), 256, 8, 4);
    const layers = mlp(rt(), 2, [8, 32, 4]);
    const opt = new Adam(rt(), layers.flatMap((l) => l.params.map((param) => ({ param }))), { lr: 0.01 });
    const first = tidy(() => mseLoss(forward(layers, X), Y));
    for (let step = 0; step < 200; step++) {
      tidy(() => {
        mseLoss(forward(layers, X), Y).backward();
        opt.step();
      });
      rt().flush();
    }
    const last = tidy(() => mseLoss(forward(layers, X), Y));
    expect((await last.toArray())[0]).toBeLessThan((await first.toArray())[0] / 10);
  });

  it('the buffer pool stays flat over 100 training steps (no new GPU objects after the first)', async () => {
    const { X, Y } = toyProblem(rt(), 64, 8, 4);
    const layers = mlp(rt(), 3, [8, 16, 16, 4]);
    const opt = new Sgd(rt(), layers.flatMap((l) => l.params.map((param) => ({ param }))), { lr: 0.01, momentum: 0.9 });
    const drop = { rng: new DropoutRng(rt(), 5), rate: 0.2 };
    const step = () => {
      drop.rng.next();
      tidy(() => {
        mseLoss(forward(layers, X, drop), Y).backward();
        opt.step();
      });
      rt().flush();
    };
    step();
    const s = rt().stats;
    const before = { buffers: rt().pool.created, pipelines: s.pipelinesCreated, bindGroups: s.bindGroupsCreated, uniforms: s.uniformsCreated };
    const submits = s.submits;
    for (let i = 0; i < 100; i++) step();
    await rt().sync();
    expect({ buffers: rt().pool.created, pipelines: s.pipelinesCreated, bindGroups: s.bindGroupsCreated, uniforms: s.uniformsCreated }).toEqual(before);
    // One submit per training step (plus the final sync's empty flush, which submits nothing).
    expect(s.submits - submits).toBe(100);
  });

  it('determinism: the same seed gives bitwise-equal weights after 20 steps', async () => {
    const run = async (seed: number) => {
      const { X, Y } = toyProblem(rt(), 64, 8, 4);
      const layers = mlp(rt(), seed, [8, 16, 4]);
      const opt = new Sgd(rt(), layers.flatMap((l) => l.params.map((param) => ({ param }))), { lr: 0.05, momentum: 0.9 });
      const drop = { rng: new DropoutRng(rt(), seed), rate: 0.2 };
      for (let i = 0; i < 20; i++) {
        drop.rng.next();
        tidy(() => {
          mseLoss(forward(layers, X, drop), Y).backward();
          opt.step();
        });
        rt().flush();
      }
      return Array.from(await layers[0].weight.toArray());
    };
    const a = await run(9);
    const b = await run(9);
    const c = await run(10);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});
