import { describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../src/data/mnist.js';
import { stratifiedSubset } from '../src/data/dataset.js';
import { upload } from '../src/data/upload.js';
import { pretrainEndToEnd, pretrainLayerwise } from '../src/dec/pretrain.js';
import type { ProgressEvent } from '../src/nn/loop.js';
import { Autoencoder } from '../src/nn/autoencoder.js';
import { makeRng } from '../src/random/rng.js';
import { useRuntime } from './helpers.js';

const rt = useRuntime();
const sgd = { kind: 'sgd' as const, lr: 0.1, momentum: 0.9, lrStep: 60, momentumRamp: 10, biasLrMult: 2 };

describe('SDAE pretraining on 512 digits (small widths)', () => {
  it('layer-wise (the paper: denoising pairs, then fine-tuning) lowers every stage’s loss', async () => {
    const x = await upload(rt(), stratifiedSubset(loadBundledMnist(), 512, 1));
    const ae = new Autoencoder(rt(), [784, 64, 64, 128, 10], { kind: 'gaussian', std: 0.01 }, makeRng(1));
    const events: ProgressEvent[] = [];
    // Gaussian std 0.01 starts near zero output; lr 0.1 with the per-element MSE scale trains.
    await pretrainLayerwise({ rt: rt(), x, seed: 1, hooks: { progress: (e) => events.push(e), logEvery: 10 } }, ae, {
      batch: 64, layerIters: 80, finetuneIters: 80, dropout: 0.2, optim: { ...sgd, lr: 1 },
    });
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(['pretrain layer 1/4', 'pretrain layer 2/4', 'pretrain layer 3/4', 'pretrain layer 4/4', 'finetune']);
    const first = events.find((e) => e.phase === 'pretrain layer 1/4')!.loss!;
    const tuned = events.filter((e) => e.phase === 'finetune').at(-1)!.loss!;
    expect(Number.isFinite(tuned)).toBe(true);
    expect(events.filter((e) => e.phase === 'pretrain layer 1/4').at(-1)!.loss!).toBeLessThan(first);
    x.dispose();
    ae.dispose();
  });

  it('end-to-end with SGD lowers the reconstruction loss', async () => {
    const x = await upload(rt(), stratifiedSubset(loadBundledMnist(), 512, 2));
    const ae = new Autoencoder(rt(), [784, 64, 64, 128, 10], { kind: 'uniform-fan-in' }, makeRng(2));
    const losses: number[] = [];
    await pretrainEndToEnd({ rt: rt(), x, seed: 2, hooks: { progress: (e) => losses.push(e.loss!), logEvery: 8 } }, ae, {
      batch: 64, steps: 160, optim: { ...sgd, lr: 1, lrStep: 0, momentumRamp: 0, biasLrMult: 1 },
    });
    expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]);
    x.dispose();
    ae.dispose();
  });
});
