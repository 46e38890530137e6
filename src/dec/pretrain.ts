// SDAE pretraining, two recipes:
//  - 'layerwise' (the paper): greedy denoising autoencoder pairs, each on the clean output of the
//    layers below, then end-to-end fine-tuning without dropout; batches in data order, wrapping.
//  - 'endtoend' (the common re-implementation): the whole autoencoder at once, reshuffled every epoch.
import type { Runtime } from '../gpu/runtime.js';
import { Autoencoder } from '../nn/autoencoder.js';
import type { Linear } from '../nn/linear.js';
import { Adam, Sgd, type ParamGroup } from '../nn/optim.js';
import { dropout, DropoutRng, mseLoss, noGrad, tidy, type Tensor } from '../tensor/index.js';
import { permutation } from '../data/dataset.js';
import { rowSlice, ShuffledBatches } from './batches.js';
import { LossLog, type ProgressSink } from './progress.js';

export interface OptimConfig {
  kind: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  /** Divide the learning rate by 10 every this many iterations (0: never). */
  lrStep: number;
  /** Momentum ramps linearly from 0 over this many iterations of each stage (0: none). */
  momentumRamp: number;
  /** Learning-rate multiplier of the biases (2 in the original DEC code). */
  biasLrMult: number;
}

export interface LayerwiseConfig {
  optim: OptimConfig;
  batch: number;
  layerIters: number;
  finetuneIters: number;
  dropout: number;
}

export interface EndToEndConfig {
  optim: OptimConfig;
  batch: number;
  epochs: number;
}

interface Ctx {
  rt: Runtime;
  x: Tensor; // [n, d] on the GPU
  seed: number;
  progress: ProgressSink;
  logEvery: number;
}

function optimizer(rt: Runtime, layers: Linear[], o: OptimConfig): Sgd | Adam {
  const groups: ParamGroup[] = layers.flatMap((l) => [{ param: l.weight }, { param: l.bias, lrMult: o.biasLrMult, decayMult: 0 }]);
  return o.kind === 'adam' ? new Adam(rt, groups, { lr: o.lr }) : new Sgd(rt, groups, { lr: o.lr, momentum: o.momentum });
}

function schedule(opt: Sgd | Adam, o: OptimConfig, step: number): void {
  opt.opts.lr = o.lr * (o.lrStep > 0 ? 0.1 ** Math.floor(step / o.lrStep) : 1);
  if (o.kind === 'sgd') opt.opts.momentum = o.momentumRamp > 0 ? o.momentum * Math.min(1, step / o.momentumRamp) : o.momentum;
  opt.syncHyper();
}

/**
 * Runs `steps` training steps: each is one recorded forward + backward + update and one submit.
 * The loss is read back every `logEvery` steps without stalling (the read of step s is awaited
 * at step s + logEvery, which also bounds how far the CPU runs ahead of the GPU).
 */
export async function trainSteps(
  ctx: Ctx,
  phase: string,
  steps: number,
  opt: Sgd | Adam,
  o: OptimConfig,
  stepLoss: (step: number) => Tensor,
  epochOf?: (step: number) => number,
): Promise<number> {
  const log = new LossLog(phase, steps, ctx.progress, (step) => ({ epoch: epochOf?.(step - 1) }));
  for (let step = 0; step < steps; step++) {
    schedule(opt, o, step);
    const loss = tidy(() => {
      const l = stepLoss(step);
      l.backward();
      opt.step();
      return l;
    });
    if ((step + 1) % ctx.logEvery === 0 || step === steps - 1) await log.start(step + 1, loss); // flushes
    else ctx.rt.flush();
    loss.dispose();
  }
  await log.report();
  return log.last;
}

/** The paper's greedy layer-wise denoising pretraining, then end-to-end fine-tuning. */
export async function pretrainLayerwise(ctx: Ctx, ae: Autoencoder, cfg: LayerwiseConfig): Promise<number> {
  const { rt, x } = ctx;
  const L = ae.encoder.length;
  const rng = new DropoutRng(rt, ctx.seed);
  const batchesPerPass = Math.ceil(x.rows / cfg.batch);
  // Batches in data order, wrapping around; the last partial batch kept.
  const batchAt = (step: number) => {
    const b = step % batchesPerPass;
    return rowSlice(x, b * cfg.batch, Math.min(cfg.batch, x.rows - b * cfg.batch));
  };
  try {
    for (let l = 0; l < L; l++) {
      const enc = ae.encoder[l];
      const dec = ae.decoder[L - 1 - l];
      const opt = optimizer(rt, [enc, dec], cfg.optim);
      await trainSteps(ctx, `pretrain layer ${l + 1}/${L}`, cfg.layerIters, opt, cfg.optim, (step) => {
        rng.next();
        // The clean input of this pair: the trained layers below, without dropout or gradients.
        const clean = noGrad(() => ae.encoder.slice(0, l).reduce((h, layer) => layer.forward(h), batchAt(step)));
        const input = l > 0 ? dropout(clean, cfg.dropout, rng, 2 * l) : clean; // the first pair's input gets none
        const hidden = dropout(enc.forward(input), cfg.dropout, rng, 2 * l + 1);
        return mseLoss(dec.forward(hidden), clean);
      });
      opt.dispose();
    }
    const opt = optimizer(rt, ae.layers, cfg.optim);
    const loss = await trainSteps(ctx, 'finetune', cfg.finetuneIters, opt, cfg.optim, (step) => {
      const xb = batchAt(step);
      return mseLoss(ae.decode(ae.encode(xb)), xb);
    });
    opt.dispose();
    return loss;
  } finally {
    rng.dispose();
  }
}

/** The whole autoencoder trained end to end on reconstruction, reshuffled every epoch. */
export async function pretrainEndToEnd(ctx: Ctx, ae: Autoencoder, cfg: EndToEndConfig): Promise<number> {
  const { rt, x } = ctx;
  const perEpoch = Math.ceil(x.rows / cfg.batch);
  const batches = new ShuffledBatches(rt, x);
  const opt = optimizer(rt, ae.layers, cfg.optim);
  try {
    return await trainSteps(
      ctx,
      'pretrain',
      cfg.epochs * perEpoch,
      opt,
      cfg.optim,
      (step) => {
        const epoch = Math.floor(step / perEpoch);
        const b = step % perEpoch;
        if (b === 0) batches.setPermutation(permutation(x.rows, `${ctx.seed}:epoch${epoch}`));
        const xb = batches.batch(b * cfg.batch, Math.min(cfg.batch, x.rows - b * cfg.batch));
        return mseLoss(ae.decode(ae.encode(xb)), xb);
      },
      (step) => Math.floor(step / perEpoch) + 1,
    );
  } finally {
    opt.dispose();
    batches.dispose();
  }
}

export type { Ctx as PretrainContext };
