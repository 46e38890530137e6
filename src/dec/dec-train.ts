// Phase 2 of DEC: self-training of the encoder and the centres μ on KL(P‖Q) (the paper's §3.1).
// P is recomputed over the whole data set every `updateInterval` iterations by the assignment pass
// (encoder, q, f, p, hard assignments, in blocks); training stops when fewer than `tol` of the
// points changed cluster between two updates (the check skipped at the first), or at `maxIter`.
// The steps run through the one training loop (src/nn/loop.ts): the job may take the state after
// any iteration, and a run resumes at any iteration.
import type { Runtime } from '../gpu/runtime.js';
import type { StTensor } from '../io/safetensors.js';
import type { Autoencoder } from '../nn/autoencoder.js';
import { NonFiniteError, trainLoop, type LoopHooks } from '../nn/loop.js';
import { Sgd } from '../nn/optim.js';
import { autoencoderTensors, loadAutoencoder, optimizerState, restoreOptimizer, type TrainState } from '../nn/state.js';

/** The DEC loop's phase: its checkpoints' position and its progress label. */
export const DEC_PHASE = 'dec';
import { add, augment, ChunkedRows, type RowSource, DropoutRng, fromArray, keep, mseLoss, type AugmentOptions, type Tensor } from '../tensor/index.js';
import { assign, type AssignModel } from './assign.js';
import { klLoss } from './dec-ops.js';

/** The DEC phase's settings (the paper's section 3 and its original code). */
export interface DecConfig {
  k: number;
  alpha: number;
  lr: number;
  momentum: number;
  batch: number;
  updateInterval: number;
  tol: number;
  maxIter: number;
  /** Reset the momentum at each target update (the original code); the Keras recipe does not. */
  resetMomentum: boolean;
  /** IDEC's γ: the decoder stays and the loss is KL(P‖Q) + γ·MSE(x, x̂) (absent or 0: DEC). */
  reconWeight?: number;
}

/** DEC-DA: each minibatch is warped afresh (the target P still comes from the clean data). */
export interface DecAugmentation extends AugmentOptions {
  seed: number;
}

/** What the DEC phase ends with. */
export interface DecResult {
  labels: Uint32Array; // hard assignments of the final model
  confidence: Float32Array; // max_j q_ij
  centers: Float32Array;
  iterations: number;
  stoppedBy: 'tol' | 'max_iter';
}

/** The job's hooks, and what it learns at each target update. */
export interface DecHooks extends LoopHooks {
  /** At each target update: the new hard assignments, the mean KL(P‖Q) with P from this Q, the changed share. */
  onTargetUpdate?: (iteration: number, hard: Uint32Array, kl: number, changed: number | null) => void;
}

/** What DEC carries between iterations besides the weights: P, the last target update's clusters, the warps' counter. */
interface Targets {
  p: ChunkedRows; // [n, k] the target distribution
  previous: Uint32Array | null;
  changed: number | undefined; // share of points that changed cluster at the last update
  rng: DropoutRng | null; // DEC-DA's draws
}

/**
 * DEC from the initial centres: minibatch SGD on KL(P‖Q) over the encoder and μ (and, with IDEC's
 * γ > 0, on KL + γ·MSE over the decoder too), with P recomputed every updateInterval iterations,
 * until the clusters settle (tol) or maxIter. With `aug`, each batch is warped (DEC-DA).
 */
export async function trainDec(rt: Runtime, ae: Autoencoder, x: RowSource, centers: Float32Array, cfg: DecConfig, hooks: DecHooks, aug?: DecAugmentation): Promise<DecResult> {
  const n = x.rows;
  const gamma = cfg.reconWeight ?? 0;
  const mu = keep(fromArray(rt, centers, cfg.k, ae.dims[ae.dims.length - 1], true));
  const trained = gamma > 0 ? ae.layers : ae.encoder;
  const opt = new Sgd(rt, [...trained.flatMap((l) => [{ param: l.weight }, { param: l.bias }]), { param: mu }], { lr: cfg.lr, momentum: cfg.momentum });
  const model: AssignModel = { ae, mu: mu.buffer, k: cfg.k, alpha: cfg.alpha };
  const t: Targets = { p: new ChunkedRows(rt, x.plan, cfg.k), previous: null, changed: undefined, rng: aug ? new DropoutRng(rt, aug.seed) : null };
  const r = hooks.resume;
  const from = r?.position.phase === DEC_PHASE && r.position.step > 0 ? restore(r, ae, mu, opt, t) : 0;
  const batchesPerPass = Math.ceil(n / cfg.batch);
  try {
    // Eq. (3): P from Q over all points; true when fewer than tol of them changed cluster.
    const targetUpdate = async (it: number): Promise<boolean> => {
      const { hard, f, kl } = await assign(rt, model, x, { target: t.p, kl: 'own' });
      if (!f.every(Number.isFinite)) throw new NonFiniteError(`dec at iteration ${it}`, 'the soft assignments q');
      if (t.previous) t.changed = changedShare(t.previous, hard);
      hooks.onTargetUpdate?.(it, hard, kl!, t.previous ? t.changed! : null);
      if (t.previous && t.changed! < cfg.tol) return true;
      t.previous = hard;
      if (cfg.resetMomentum) opt.resetState();
      return false;
    };
    const end = await trainLoop(
      rt,
      {
        phase: DEC_PHASE,
        from,
        total: cfg.maxIter,
        opt,
        before: async (it, settle) => {
          await x.ready(); // out-of-core: the last window's staging given back before more is read
          return it % cfg.updateInterval === 0 && (await settle(), await targetUpdate(it));
        },
        // Eq. (4)-(6): the KL loss of one minibatch; batches in order over the (shuffled) data, wrapping.
        loss: (it) => {
          const b = it % batchesPerPass;
          const rows = Math.min(cfg.batch, n - b * cfg.batch);
          let xb = x.slice(b * cfg.batch, rows);
          if (t.rng) {
            t.rng.next(); // DEC-DA: fresh warps of the batch; P stays the clean data's
            xb = augment(xb, t.rng, aug!);
          }
          const z = ae.encode(xb);
          const kl = klLoss(z, mu, t.p.slice(b * cfg.batch, rows), cfg.alpha);
          return gamma > 0 ? add(kl, mseLoss(ae.decode(z), xb), gamma) : kl; // IDEC: + γ·MSE(x, x̂)
        },
        state: (done) => capture(done, ae, mu, opt, t),
        extra: () => ({ changed: t.changed }),
        logLast: false, // the end is reported below, after the final assignment
      },
      hooks,
    );
    // The final assignment and its confidences: the same pass `predict` makes with the saved model.
    const final = await assign(rt, model, x, { confidence: true });
    hooks.progress({ phase: DEC_PHASE, step: end.step, total: end.step, changed: t.changed, elapsedS: end.elapsedS });
    return { labels: final.hard, confidence: final.confidence!, centers: await mu.toArray(), iterations: end.step, stoppedBy: end.stopped ? 'tol' : 'max_iter' };
  } finally {
    opt.dispose();
    mu.dispose();
    t.p.dispose();
    t.rng?.dispose();
  }
}

function changedShare(previous: Uint32Array, hard: Uint32Array): number {
  let diff = 0;
  for (let i = 0; i < hard.length; i++) if (previous[i] !== hard[i]) diff++;
  return diff / hard.length;
}

/** DEC's state after `it` iterations: weights, μ, the optimiser, P and the last update's clusters. */
async function capture(it: number, ae: Autoencoder, mu: Tensor, opt: Sgd, t: Targets): Promise<TrainState> {
  const o = await optimizerState(opt);
  const tensors: Record<string, StTensor> = { ...(await autoencoderTensors(ae)), ...o.tensors };
  tensors['dec.mu'] = { dtype: 'F32', shape: [mu.rows, mu.cols], data: await mu.toArray() };
  tensors['dec.p'] = { dtype: 'F32', shape: [t.p.rows, t.p.cols], data: await t.p.read() };
  if (t.previous) tensors['dec.previous'] = { dtype: 'U32', shape: [t.previous.length], data: t.previous };
  const info: Record<string, number> = { ...o.info };
  if (t.changed !== undefined) info['dec.changed'] = t.changed;
  if (t.rng) info['augment.step'] = t.rng.step;
  return { position: { phase: DEC_PHASE, stage: 0, step: it }, tensors, info };
}

/** Restores what capture saved; returns the iteration to continue from. */
function restore(r: TrainState, ae: Autoencoder, mu: Tensor, opt: Sgd, t: Targets): number {
  loadAutoencoder(ae, r.tensors, 'checkpoint');
  mu.rt.flush(); // the writes below land before the next submit: recorded work keeps the old values
  mu.rt.write(mu.buffer, r.tensors['dec.mu'].data);
  t.p.write(r.tensors['dec.p'].data as Float32Array);
  restoreOptimizer(opt, r);
  const prev = r.tensors['dec.previous'];
  t.previous = prev ? (prev.data as Uint32Array) : null;
  t.changed = r.info['dec.changed'];
  if (t.rng) t.rng.step = r.info['augment.step'];
  return r.position.step;
}
