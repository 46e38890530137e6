// Phase 2 of DEC: self-training of the encoder and the centres μ on KL(P‖Q).
// P is recomputed over the whole data set every `updateInterval` iterations (a chunked GPU pass:
// encoder, q, f, p, hard assignments); training stops when fewer than `tol` of the points changed
// cluster between two updates (the check skipped at the first), or at `maxIter`.
import type { Runtime } from '../gpu/runtime.js';
import type { Autoencoder } from '../nn/autoencoder.js';
import { Sgd, type ParamGroup } from '../nn/optim.js';
import { empty, fromArray, keep, noGrad, tidy, type Tensor } from '../tensor/index.js';
import { copyRowsInto, rowSlice } from './batches.js';
import { klLoss, softAssignInto, targetInto } from './dec-ops.js';
import { LossLog, type ProgressSink } from './progress.js';

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

export interface DecResult {
  labels: Uint32Array; // hard assignments at the last target update
  confidence: Float32Array; // max_j q_ij
  centers: Float32Array;
  iterations: number;
  stoppedBy: 'tol' | 'max_iter';
}

const CHUNK = 2048;

/** z = encoder(x) for all rows, in chunks (no gradients): [n, dims.at(-1)]. */
export function encodeAll(ae: Autoencoder, x: Tensor): Tensor {
  const d = ae.dims[ae.dims.length - 1];
  const z = keep(empty(x.rt, x.rows, d));
  for (let start = 0; start < x.rows; start += CHUNK) {
    tidy(() => noGrad(() => copyRowsInto(ae.encode(rowSlice(x, start, Math.min(CHUNK, x.rows - start))), z, start)));
  }
  return z;
}

/**
 * The target update: q over all points, f_j, p (into `p`) and the hard assignments, read back for
 * the tolerance check. The confidences max_j q_ij need q itself back (n·k floats), so they are read
 * only when asked for (the final assignment), not at every update.
 */
async function computeTarget(rt: Runtime, ae: Autoencoder, x: Tensor, mu: Tensor, cfg: DecConfig, p: Tensor, withConfidence = false): Promise<{ hard: Uint32Array; confidence?: Float32Array }> {
  const z = encodeAll(ae, x);
  const n = x.rows;
  const [q, w, f, hard] = [n * cfg.k, n * cfg.k, cfg.k, n].map((c) => rt.acquire(c * 4));
  softAssignInto(rt, z.buffer, mu.buffer, n, z.cols, cfg.k, cfg.alpha, q, w);
  targetInto(rt, q, n, cfg.k, f, p.buffer, hard);
  const labels = await rt.readU32(hard, n);
  let confidence: Float32Array | undefined;
  if (withConfidence) {
    const qs = await rt.readF32(q, n * cfg.k);
    confidence = Float32Array.from(labels, (j, i) => qs[i * cfg.k + j]);
  }
  [q, w, f, hard].forEach((b) => rt.release(b));
  z.dispose();
  return { hard: labels, confidence };
}

export async function trainDec(rt: Runtime, ae: Autoencoder, x: Tensor, centers: Float32Array, cfg: DecConfig, progress: ProgressSink, logEvery = 20): Promise<DecResult> {
  const d = ae.dims[ae.dims.length - 1];
  const n = x.rows;
  const mu = keep(fromArray(rt, centers, cfg.k, d, true));
  const groups: ParamGroup[] = [...ae.encoder.flatMap((l) => [{ param: l.weight }, { param: l.bias }]), { param: mu }];
  const opt = new Sgd(rt, groups, { lr: cfg.lr, momentum: cfg.momentum });
  const p = keep(empty(rt, n, cfg.k));
  const batchesPerPass = Math.ceil(n / cfg.batch);
  let previous: Uint32Array | null = null;
  let stoppedBy: 'tol' | 'max_iter' = 'max_iter';
  let changed: number | undefined;
  let it = 0;
  const log = new LossLog('dec', cfg.maxIter, progress, () => ({ changed }));
  try {
    for (; it < cfg.maxIter; it++) {
      if (it % cfg.updateInterval === 0) {
        await log.report();
        const { hard } = await computeTarget(rt, ae, x, mu, cfg, p);
        if (previous) {
          let diff = 0;
          for (let i = 0; i < n; i++) if (previous[i] !== hard[i]) diff++;
          changed = diff / n;
          if (changed < cfg.tol) {
            stoppedBy = 'tol';
            break;
          }
        }
        previous = hard;
        if (cfg.resetMomentum) opt.resetState();
      }
      const b = it % batchesPerPass; // batches in order over the (shuffled) data, wrapping
      const rows = Math.min(cfg.batch, n - b * cfg.batch);
      const loss = tidy(() => {
        const z = ae.encode(rowSlice(x, b * cfg.batch, rows));
        const l = klLoss(z, mu, rowSlice(p, b * cfg.batch, rows), cfg.alpha);
        l.backward();
        opt.step();
        return l;
      });
      if ((it + 1) % logEvery === 0) await log.start(it + 1, loss); // flushes
      else rt.flush();
      loss.dispose();
    }
    await log.report();
    // The final assignment and its confidences (after `tol`, the same labels as the last update).
    const final = await computeTarget(rt, ae, x, mu, cfg, p, true);
    const result: DecResult = {
      labels: final.hard,
      confidence: final.confidence!,
      centers: await mu.toArray(),
      iterations: it,
      stoppedBy,
    };
    progress({ phase: 'dec', step: it, total: it, changed, elapsedS: log.elapsedS });
    return result;
  } finally {
    opt.dispose();
    mu.dispose();
    p.dispose();
  }
}
