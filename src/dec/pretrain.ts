// SDAE pretraining, two recipes:
//  - 'layerwise' (the paper): greedy denoising autoencoder pairs, each on the clean output of the
//    layers below, then end-to-end fine-tuning without dropout; batches in data order, wrapping.
//  - 'endtoend' (the common re-implementation): the whole autoencoder at once, reshuffled every epoch.
// With augmentation (DEC-DA), every batch is warped by fresh draws and the autoencoder reconstructs
// the warped images.
// Lengths are budgets of gradient steps, whatever the number of points (docs/cli.md, "Presets").
// Each stage runs through the one training loop (src/nn/loop.ts), whose hooks let the job take a
// checkpoint after any step; a run resumes at any stage and step.
import type { Runtime } from '../gpu/runtime.js';
import { Autoencoder } from '../nn/autoencoder.js';
import type { Linear } from '../nn/linear.js';
import { Adam, Sgd, type ParamGroup } from '../nn/optim.js';
import { augment, dropout, DropoutRng, mseLoss, noGrad, type AugmentOptions, type RowSource, type Tensor } from '../tensor/index.js';
import { ShuffledBatches } from '../data/batches.js';
import { trainLoop, type LoopHooks } from '../nn/loop.js';
import { autoencoderTensors, loadAutoencoder, optimizerState, restoreOptimizer, type TrainState } from '../nn/state.js';

/** Pretraining's phase: its checkpoints' position, and the progress label of end-to-end pretraining. */
export const PRETRAIN_PHASE = 'pretrain';
/** The progress label of the layer-wise schedule's last stage, the whole autoencoder fine-tuned. */
export const FINETUNE_LABEL = 'finetune';
/** The progress label of the layer-wise schedule's stage l (0-based) of L layer pairs. */
export const layerLabel = (l: number, L: number): string => `${PRETRAIN_PHASE} layer ${l + 1}/${L}`;
/** Whether a progress event's phase label is one of pretraining's (the run's history keeps their losses). */
export const isPretrainLabel = (phase: string): boolean => phase === PRETRAIN_PHASE || phase.startsWith(`${PRETRAIN_PHASE} layer`) || phase === FINETUNE_LABEL;

/** The pretraining optimiser and its schedule. */
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

/**
 * The paper's recipe: each layer pair as a denoising autoencoder (dropout), then end-to-end fine-
 * tuning; lengths in steps.
 */
export interface LayerwiseConfig {
  optim: OptimConfig;
  batch: number;
  layerIters: number;
  finetuneIters: number;
  dropout: number;
}

/** The Keras recipe: the whole autoencoder trained end to end for a budget of steps. */
export interface EndToEndConfig {
  optim: OptimConfig;
  batch: number;
  /** Gradient steps in all (epochs = steps · batch / n). */
  steps: number;
}

/** What a pretraining recipe runs on: the data and the seed, the job's hooks, the augmentation. */
interface Ctx {
  rt: Runtime;
  x: RowSource; // [n, d]: on the GPU, or read a window at a time (out-of-core)
  seed: number;
  hooks: LoopHooks;
  /** DEC-DA: every batch warped afresh, and the autoencoder reconstructs the warped images. */
  augment?: AugmentOptions;
}

/** The batch a step trains on: warped by a fresh draw (rng advanced) where the recipe augments. */
function stepBatch(ctx: Ctx, rng: DropoutRng | undefined, xb: Tensor, advance: boolean): Tensor {
  if (!ctx.augment || !rng) return xb;
  if (advance) rng.next();
  return augment(xb, rng, ctx.augment);
}

/** A stage of pretraining: its optimiser, and the dropout counter where it has one. */
interface Stage {
  index: number;
  ae: Autoencoder;
  opt: Sgd | Adam;
  rng?: DropoutRng;
}

/** The state of a stage after `step` steps: all weights, the optimiser's state, the counters. */
async function capture(s: Stage, step: number): Promise<TrainState> {
  const opt = await optimizerState(s.opt);
  const tensors = { ...(await autoencoderTensors(s.ae)), ...opt.tensors };
  return { position: { phase: PRETRAIN_PHASE, stage: s.index, step }, tensors, info: { ...opt.info, 'dropout.step': s.rng?.step ?? 0 } };
}

/** The step a stage starts at: 0, or where the resumed state left it (weights and state restored). */
function restore(ctx: Ctx, s: Stage): number {
  const r = ctx.hooks.resume;
  if (!r || r.position.phase !== PRETRAIN_PHASE || r.position.stage !== s.index) return 0;
  loadAutoencoder(s.ae, r.tensors, 'checkpoint');
  if (r.position.step === 0) return 0; // the checkpoint at the start: weights only, no optimiser yet
  restoreOptimizer(s.opt, r);
  if (s.rng) s.rng.step = r.info['dropout.step'];
  return r.position.step;
}

function optimizer(rt: Runtime, layers: Linear[], o: OptimConfig): Sgd | Adam {
  const groups: ParamGroup[] = layers.flatMap((l) => [{ param: l.weight }, { param: l.bias, lrMult: o.biasLrMult, decayMult: 0 }]);
  return o.kind === 'adam' ? new Adam(rt, groups, { lr: o.lr }) : new Sgd(rt, groups, { lr: o.lr, momentum: o.momentum });
}

/** The learning rate and momentum of step `step` (uploaded before it is recorded). */
function schedule(opt: Sgd | Adam, o: OptimConfig, step: number): void {
  opt.opts.lr = o.lr * (o.lrStep > 0 ? 0.1 ** Math.floor(step / o.lrStep) : 1);
  if (o.kind === 'sgd') opt.opts.momentum = o.momentumRamp > 0 ? o.momentum * Math.min(1, step / o.momentumRamp) : o.momentum;
  opt.syncHyper();
}

/** Runs a stage's steps through the training loop; returns the last loss read. */
async function runStage(ctx: Ctx, phase: string, stage: Stage, steps: number, o: OptimConfig, loss: (step: number) => Tensor, epochOf?: (step: number) => number): Promise<number> {
  const end = await trainLoop(
    ctx.rt,
    {
      phase,
      from: restore(ctx, stage),
      total: steps,
      opt: stage.opt,
      loss,
      state: (done) => capture(stage, done),
      before: async (step) => {
        await ctx.x.ready(); // out-of-core: the last window's staging given back before more is read
        schedule(stage.opt, o, step);
        return false;
      },
      extra: (step) => ({ epoch: epochOf?.(step - 1) }),
    },
    ctx.hooks,
  );
  return end.loss;
}

/** The stages still to run: all of them, or from the resumed state's stage on. */
const firstStage = (ctx: Ctx) => (ctx.hooks.resume?.position.phase === PRETRAIN_PHASE ? ctx.hooks.resume.position.stage : 0);

/** The paper's greedy layer-wise denoising pretraining (stages 0 … L−1), then end-to-end fine-tuning (stage L). */
export async function pretrainLayerwise(ctx: Ctx, ae: Autoencoder, cfg: LayerwiseConfig): Promise<number> {
  const { rt, x } = ctx;
  const L = ae.encoder.length;
  const rng = new DropoutRng(rt, ctx.seed);
  // Batches in data order, wrapping around; the last partial batch kept.
  const batchesPerPass = Math.ceil(x.rows / cfg.batch);
  const batchAt = (step: number) => {
    const b = step % batchesPerPass;
    return x.slice(b * cfg.batch, Math.min(cfg.batch, x.rows - b * cfg.batch));
  };
  let loss = NaN;
  try {
    for (let l = firstStage(ctx); l <= L; l++) {
      const layers = l < L ? [ae.encoder[l], ae.decoder[L - 1 - l]] : ae.layers;
      const stage: Stage = { index: l, ae, opt: optimizer(rt, layers, cfg.optim), rng };
      try {
        if (l < L) {
          const [enc, dec] = layers;
          loss = await runStage(ctx, layerLabel(l, L), stage, cfg.layerIters, cfg.optim, (step) => {
            rng.next();
            // The clean input of this pair: the trained layers below, without dropout or gradients.
            const xb = stepBatch(ctx, rng, batchAt(step), false);
            const clean = noGrad(() => ae.encoder.slice(0, l).reduce((h, layer) => layer.forward(h), xb));
            const input = l > 0 ? dropout(clean, cfg.dropout, rng, 2 * l) : clean; // the first pair's input gets none
            const hidden = dropout(enc.forward(input), cfg.dropout, rng, 2 * l + 1);
            return mseLoss(dec.forward(hidden), clean);
          });
        } else {
          loss = await runStage(ctx, FINETUNE_LABEL, stage, cfg.finetuneIters, cfg.optim, (step) => {
            const xb = stepBatch(ctx, rng, batchAt(step), true);
            return mseLoss(ae.decode(ae.encode(xb)), xb);
          });
        }
      } finally {
        stage.opt.dispose();
      }
    }
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
  const rng = ctx.augment ? new DropoutRng(rt, ctx.seed) : undefined;
  const stage: Stage = { index: 0, ae, opt: optimizer(rt, ae.layers, cfg.optim), rng };
  let epochSet = -1;
  try {
    return await runStage(
      ctx,
      PRETRAIN_PHASE,
      stage,
      cfg.steps,
      cfg.optim,
      (step) => {
        const epoch = Math.floor(step / perEpoch);
        if (epoch !== epochSet) batches.setEpoch(`${ctx.seed}:epoch${(epochSet = epoch)}`);
        const b = step % perEpoch;
        const xb = stepBatch(ctx, rng, batches.batch(b * cfg.batch, Math.min(cfg.batch, x.rows - b * cfg.batch)), true);
        return mseLoss(ae.decode(ae.encode(xb)), xb);
      },
      (step) => Math.floor(step / perEpoch) + 1,
    );
  } finally {
    stage.opt.dispose();
    rng?.dispose();
    batches.dispose();
  }
}

export type { Ctx as PretrainContext };
