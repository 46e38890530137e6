// Phase 2 of DEC: self-training of the encoder and the centres μ on KL(P‖Q).
// P is recomputed over the whole data set every `updateInterval` iterations by the assignment pass
// (encoder, q, f, p, hard assignments, in blocks); training stops when fewer than `tol` of the
// points changed cluster between two updates (the check skipped at the first), or at `maxIter`.
// After every iteration a checkpoint may be taken; a run resumes at any iteration.
import type { Runtime } from '../gpu/runtime.js';
import type { Autoencoder } from '../nn/autoencoder.js';
import { Sgd, type ParamGroup } from '../nn/optim.js';
import { ChunkedRows, fromArray, keep, tidy, type Tensor } from '../tensor/index.js';
import type { StTensor } from '../io/safetensors.js';
import { assign } from './assign.js';
import { NonFiniteError, optimizerState, restoreOptimizer, type Checkpoints, type Snapshot } from '../run/checkpoint.js';
import { klLoss } from './dec-ops.js';
import { autoencoderTensors, loadAutoencoder } from '../model/model-file.js';
import { LossLog, type ProgressSink } from '../run/progress.js';

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
}

/** What the DEC phase ends with. */
export interface DecResult {
  labels: Uint32Array; // hard assignments of the final model
  confidence: Float32Array; // max_j q_ij
  centers: Float32Array;
  iterations: number;
  stoppedBy: 'tol' | 'max_iter';
}

export interface DecOptions {
  progress: ProgressSink;
  logEvery?: number;
  checkpoints?: Checkpoints;
  /** A DEC checkpoint to continue from. */
  resume?: Snapshot;
  /** At each target update: the new hard assignments, the mean KL(P‖Q) with P from this Q, the changed share. */
  onTargetUpdate?: (iteration: number, hard: Uint32Array, kl: number, changed: number | null) => void;
}

/** The state the loop carries between iterations (what a checkpoint holds besides the weights). */
interface LoopState {
  it: number;
  previous: Uint32Array | null;
  changed: number | undefined;
}

async function capture(ae: Autoencoder, mu: Tensor, opt: Sgd, p: ChunkedRows, s: LoopState): Promise<Snapshot> {
  const o = await optimizerState(opt);
  const tensors: Record<string, StTensor> = { ...(await autoencoderTensors(ae)), ...o.tensors };
  tensors['dec.mu'] = { dtype: 'F32', shape: [mu.rows, mu.cols], data: await mu.toArray() };
  tensors['dec.p'] = { dtype: 'F32', shape: [p.rows, p.cols], data: await p.read() };
  if (s.previous) tensors['dec.previous'] = { dtype: 'U32', shape: [s.previous.length], data: s.previous };
  const info: Record<string, number> = { ...o.info };
  if (s.changed !== undefined) info['dec.changed'] = s.changed;
  return { position: { phase: 'dec', stage: 0, step: s.it }, tensors, info };
}

function restore(r: Snapshot, ae: Autoencoder, mu: Tensor, opt: Sgd, p: ChunkedRows): LoopState {
  loadAutoencoder(ae, r.tensors, 'checkpoint');
  mu.rt.flush(); // the writes below land before the next submit: recorded work keeps the old values
  mu.rt.write(mu.buffer, r.tensors['dec.mu'].data);
  p.write(r.tensors['dec.p'].data as Float32Array);
  restoreOptimizer(opt, r);
  const prev = r.tensors['dec.previous'];
  return { it: r.position.step, previous: prev ? (prev.data as Uint32Array) : null, changed: r.info['dec.changed'] };
}

export async function trainDec(rt: Runtime, ae: Autoencoder, x: ChunkedRows, centers: Float32Array, cfg: DecConfig, o: DecOptions): Promise<DecResult> {
  const d = ae.dims[ae.dims.length - 1];
  const n = x.rows;
  const mu = keep(fromArray(rt, centers, cfg.k, d, true));
  const groups: ParamGroup[] = [...ae.encoder.flatMap((l) => [{ param: l.weight }, { param: l.bias }]), { param: mu }];
  const opt = new Sgd(rt, groups, { lr: cfg.lr, momentum: cfg.momentum });
  const p = new ChunkedRows(rt, x.plan, cfg.k);
  const model = { ae, mu: mu.buffer, k: cfg.k, alpha: cfg.alpha };
  let s: LoopState = { it: 0, previous: null, changed: undefined };
  const batchesPerPass = Math.ceil(n / cfg.batch);
  let stoppedBy: 'tol' | 'max_iter' = 'max_iter';
  const log = new LossLog('dec', cfg.maxIter, o.progress, () => ({ changed: s.changed }));
  try {
    if (o.resume) s = restore(o.resume, ae, mu, opt, p);
    for (; s.it < cfg.maxIter; s.it++) {
      if (s.it % cfg.updateInterval === 0) {
        await log.report();
        const { hard, f, kl } = await assign(rt, model, x, { target: p, kl: 'own' });
        if (!f.every(Number.isFinite)) throw new NonFiniteError(`dec at iteration ${s.it}`, 'the soft assignments q');
        if (s.previous) {
          let diff = 0;
          for (let i = 0; i < n; i++) if (s.previous[i] !== hard[i]) diff++;
          s.changed = diff / n;
        }
        o.onTargetUpdate?.(s.it, hard, kl!, s.previous ? s.changed! : null);
        if (s.previous && s.changed! < cfg.tol) {
          stoppedBy = 'tol';
          break;
        }
        s.previous = hard;
        if (cfg.resetMomentum) opt.resetState();
      }
      const b = s.it % batchesPerPass; // batches in order over the (shuffled) data, wrapping
      const rows = Math.min(cfg.batch, n - b * cfg.batch);
      const loss = tidy(() => {
        const z = ae.encode(x.slice(b * cfg.batch, rows));
        const l = klLoss(z, mu, p.slice(b * cfg.batch, rows), cfg.alpha);
        l.backward();
        opt.step();
        return l;
      });
      if ((s.it + 1) % (o.logEvery ?? 20) === 0) await log.start(s.it + 1, loss); // flushes
      else rt.flush();
      loss.dispose();
      if (o.checkpoints) {
        await o.checkpoints.tick(async () => {
          await log.report();
          return capture(ae, mu, opt, p, { ...s, it: s.it + 1 });
        });
      }
    }
    await log.report();
    // The final assignment and its confidences: the same pass `predict` makes with the saved model.
    const final = await assign(rt, model, x, { confidence: true });
    const result: DecResult = { labels: final.hard, confidence: final.confidence!, centers: await mu.toArray(), iterations: s.it, stoppedBy };
    o.progress({ phase: 'dec', step: s.it, total: s.it, changed: s.changed, elapsedS: log.elapsedS });
    return result;
  } finally {
    opt.dispose();
    mu.dispose();
    p.dispose();
  }
}
