// The method as phases on one resolved config, each callable alone:
//   raw k-means (the baseline) → pretrain → encode + k-means (initial centres) → DEC → assign
// (then, outside the loop, t-SNE maps of a subset's embedding: maps.ts)
// and `runDec`, the loop over them that checkpoints at every phase boundary (and, inside the
// training phases, as the Checkpoints policy says) and resumes from a checkpoint at any of them.
import type { Runtime } from '../gpu/runtime.js';
import { AUGMENT_SALT, augmentDraws, type AugmentOptions, type RowSource } from '../tensor/index.js';
import { Autoencoder } from '../nn/autoencoder.js';
import type { LoopHooks, ProgressSink } from '../nn/loop.js';
import { autoencoderTensors, loadAutoencoder } from '../nn/state.js';
import { makeRng } from '../random/rng.js';
import { upload } from '../data/upload.js';
import type { Dataset } from '../data/dataset.js';
import { scores, type Scores } from '../metrics/clustering.js';
import { kmeans, KMEANS_MAX_ITER, type KMeansResult } from '../kmeans/kmeans.js';
import { encodeAll } from '../dec/assign.js';
import { DEC_PHASE, trainDec, type DecResult } from '../dec/dec-train.js';
import { PRETRAIN_PHASE, pretrainEndToEnd, pretrainLayerwise } from '../dec/pretrain.js';
import { Checkpoints, Interrupted, type Snapshot } from './checkpoint.js';
import type { RunConfig } from './config.js';
import { HistoryRecorder } from './history.js';
import type { RunHistory } from '../records/history.js';
import { embedFirst, tsnePointsFor, type StageMap } from './maps.js';

/** What the phases report to and checkpoint with. */
export interface PhaseHooks {
  progress: ProgressSink;
  checkpoints?: Checkpoints;
  /** A checkpoint to continue from (runDec picks the phase it belongs to). */
  resume?: Snapshot;
  /** Records the curves (runDec sets it up, in the checkpoints' history). */
  history?: HistoryRecorder;
}

/** k-means with progress: a line every 20 Lloyd iterations (each a pass over the n points). */
function kmeansWithProgress(rt: Runtime, x: RowSource, phase: string, restarts: number, cfg: RunConfig, hooks: PhaseHooks): Promise<KMeansResult> {
  const t0 = performance.now();
  const onIteration = (restart: number, it: number, changed: number) => {
    // A stop (Ctrl-C, SIGTERM): k-means starts again on resume (from the checkpoint at the phase's start).
    if (hooks.checkpoints?.stopRequested) throw new Interrupted(`${phase}, which restarts on --resume`);
    if ((it + 1) % 20 !== 0) return;
    const elapsedS = (performance.now() - t0) / 1000;
    hooks.progress({ phase: `${phase} ${restart + 1}/${restarts}`, step: it + 1, total: KMEANS_MAX_ITER, changed: changed / x.rows, elapsedS });
  };
  hooks.progress({ phase, step: 0, total: restarts, elapsedS: 0 });
  return kmeans(rt, x, { k: cfg.k, restarts, seed: cfg.seed, maxIter: KMEANS_MAX_ITER, onIteration });
}

/** k-means on the inputs themselves: the baseline DEC is compared with (null when 0 restarts). */
export async function rawKmeansPhase(rt: Runtime, x: RowSource, cfg: RunConfig, hooks: PhaseHooks): Promise<KMeansResult | null> {
  if (cfg.rawKmeansRestarts === 0) return null;
  return kmeansWithProgress(rt, x, 'raw k-means', cfg.rawKmeansRestarts, cfg, hooks);
}

/** A new autoencoder, initialised from the seed. */
export function newAutoencoder(rt: Runtime, cfg: RunConfig): Autoencoder {
  return new Autoencoder(rt, cfg.dims, cfg.init, makeRng(`init:${cfg.seed}`));
}

/** What the training loops are told: where progress goes, and the checkpoint after each step. */
function loopHooks(hooks: PhaseHooks): LoopHooks {
  const ck = hooks.checkpoints;
  return { progress: hooks.progress, logEvery: 20, resume: hooks.resume, afterStep: ck && ((state) => ck.tick(state)) };
}

/** The run's augmentation as the training loops take it (the image shape from the data). */
function augmentation(cfg: RunConfig): AugmentOptions | undefined {
  const [a, image] = [cfg.augment, cfg.source.image];
  return a && image ? { h: image[0], w: image[1], rotate: a.rotate, shift: a.shift } : undefined;
}

/** SDAE pretraining of `ae` (from `hooks.resume` where it is a pretraining checkpoint). */
export async function pretrainPhase(rt: Runtime, ae: Autoencoder, x: RowSource, cfg: RunConfig, hooks: PhaseHooks): Promise<void> {
  const ctx = { rt, x, seed: cfg.seed, hooks: loopHooks(hooks), augment: augmentation(cfg) };
  if (cfg.pretrain.recipe === 'layerwise') await pretrainLayerwise(ctx, ae, cfg.pretrain.cfg);
  else await pretrainEndToEnd(ctx, ae, cfg.pretrain.cfg);
  await rt.sync();
}

/** The initial centres: k-means (restarts, best inertia) on the embedding z = f_θ(x). */
export async function kmeansPhase(rt: Runtime, ae: Autoencoder, x: RowSource, cfg: RunConfig, hooks: PhaseHooks): Promise<KMeansResult> {
  const z = await encodeAll(ae, x);
  try {
    return await kmeansWithProgress(rt, z, 'k-means', cfg.kmeansRestarts, cfg, hooks);
  } finally {
    z.dispose();
  }
}

/** DEC from the initial centres (from `hooks.resume` where it is a DEC checkpoint). */
export async function decPhase(rt: Runtime, ae: Autoencoder, x: RowSource, centers: Float32Array, cfg: RunConfig, hooks: PhaseHooks): Promise<DecResult> {
  const onTargetUpdate = hooks.history && hooks.history.targetUpdate.bind(hooks.history);
  const aug = augmentation(cfg);
  // Another salt than pretraining's: the same (seed, step) draws other warps here.
  return trainDec(rt, ae, x, centers, cfg.dec, { ...loopHooks(hooks), onTargetUpdate }, aug && { ...aug, seed: cfg.seed, salt: AUGMENT_SALT + 1 });
}

/**
 * What runDec returns: scores (null without labels), times, the final assignments and centres, the
 * trained autoencoder (on the GPU: dispose it) and the history.
 */
export interface RunResult {
  dec: Scores | null;
  aeKmeans: Scores | null;
  rawKmeans: Scores | null;
  seconds: { pretrain: number; kmeans: number; dec: number; rawKmeans: number; total: number };
  decIterations: number;
  stoppedBy: 'tol' | 'max_iter';
  labels: Uint32Array;
  confidence: Float32Array;
  centers: Float32Array;
  ae: Autoencoder;
  history: RunHistory;
  /** The report's subset embedded after pretraining and after DEC, with its clusters (empty: no maps). */
  maps: StageMap[];
}

/** The phases a checkpoint can stand in, in order, for "is this phase still to run?" on resume. */
const ORDER = [PRETRAIN_PHASE, 'kmeans', DEC_PHASE] as const;
type Phase = (typeof ORDER)[number];

/** The run's result from the DEC phase and the finished phases' labels and times. */
function result(ds: Dataset, ck: Checkpoints, dec: DecResult, ae: Autoencoder, maps: StageMap[]): RunResult {
  const score = (labels: Uint32Array | undefined) => (ds.labels && labels ? scores(ds.labels, labels) : null);
  const s = { pretrain: ck.seconds('pretrain'), kmeans: ck.seconds('kmeans'), dec: ck.seconds('dec'), rawKmeans: ck.seconds('raw') };
  return {
    dec: score(dec.labels),
    aeKmeans: score(ck.finished.kmeans?.labels),
    rawKmeans: score(ck.finished.rawLabels),
    seconds: { ...s, total: s.pretrain + s.kmeans + s.dec + s.rawKmeans },
    decIterations: dec.iterations,
    stoppedBy: dec.stoppedBy,
    labels: dec.labels,
    confidence: dec.confidence,
    centers: dec.centers,
    ae,
    history: ck.history,
    maps,
  };
}

/**
 * Runs DEC on `ds` (already in the run's order) through the phases, with a checkpoint at each
 * boundary; with `hooks.resume`, skips what the checkpoint has finished. The caller disposes
 * `result.ae`.
 */
export async function runDec(rt: Runtime, ds: Dataset, cfg: RunConfig, hooks: PhaseHooks): Promise<RunResult> {
  const ck = hooks.checkpoints ?? new Checkpoints(null, {});
  const r = hooks.resume;
  if (r) ck.carry(r);
  const at = r ? (ORDER as readonly string[]).indexOf(r.position.phase) : -1;
  const todo = (phase: Phase) => ORDER.indexOf(phase) >= at;
  const boundary = async (phase: Phase, label: string) =>
    ck.boundary({ position: { phase, stage: 0, step: 0 }, tensors: await autoencoderTensors(ae), info: {}, label });
  const history = new HistoryRecorder(ck.history, ds.labels);
  const aug = augmentation(cfg);
  if (aug && cfg.augment) {
    // What the report shows of the augmentation: the first images of the run's order, warped by the
    // draws of the run's first pretraining step.
    const examples = augmentDraws(Math.min(8, ds.n), aug, cfg.seed, 1).map((w, i) => ({ index: ds.index ? ds.index[i] : i, ...w }));
    history.history.augment = { ...cfg.augment, examples };
  }
  const progress: ProgressSink = (e) => {
    history.observe(e);
    hooks.progress(e);
  };
  const h: PhaseHooks = { ...hooks, progress, checkpoints: ck, history };
  const dz = cfg.dims[cfg.dims.length - 1];
  const x = await upload(rt, ds, Math.max(cfg.k, dz));
  const ae = newAutoencoder(rt, cfg);
  try {
    if (!r) await boundary('pretrain', 'at the start'); // a good checkpoint before anything runs
    // The baseline runs before any training step (again on resume, if it was interrupted).
    if (cfg.rawKmeansRestarts > 0 && !ck.finished.rawLabels) {
      const raw = (await ck.timed('raw', () => rawKmeansPhase(rt, x, cfg, h)))!;
      ck.finished.rawLabels = raw.labels;
      await boundary('pretrain', 'after raw k-means');
    }
    if (todo('pretrain')) {
      await ck.timed('pretrain', () => pretrainPhase(rt, ae, x, cfg, h));
      const m = tsnePointsFor(cfg, ds.n);
      if (m > 0) ck.finished.mapBefore = { data: await embedFirst(ae, x, m), shape: [m, dz] };
      await boundary('kmeans', 'after pretraining');
    } else loadAutoencoder(ae, r!.tensors, 'checkpoint');
    if (todo('kmeans')) {
      const init = await ck.timed('kmeans', () => kmeansPhase(rt, ae, x, cfg, h));
      ck.finished.kmeans = { labels: init.labels, centers: { data: init.centers, shape: [cfg.k, dz] } };
      await boundary('dec', 'after k-means');
    }
    const init = ck.finished.kmeans!;
    const dec = await ck.timed('dec', () => decPhase(rt, ae, x, init.centers.data, cfg, h));
    const maps: StageMap[] = [];
    const before = ck.finished.mapBefore;
    if (before) {
      const m = before.shape[0];
      maps.push({ stage: 'pretrain', z: before.data, cluster: init.labels.slice(0, m) });
      maps.push({ stage: 'dec', z: await embedFirst(ae, x, m), cluster: dec.labels.slice(0, m) });
    }
    return result(ds, ck, dec, ae, maps);
  } catch (e) {
    ae.dispose();
    throw e;
  } finally {
    x.dispose(true); // the largest buffers of the run: their memory goes back before the maps and the report
  }
}
