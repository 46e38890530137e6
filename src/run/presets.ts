// Training presets. `quick` (the default) is sized for a machine without a GPU; `paper` is the
// paper's schedule; `endtoend` the Keras recipe; `dec-da` DEC-DA's. `quick` counts its schedule in
// passes over the data (its `sizing`), with floors for tiny data, and narrows its hidden layers for
// data of few features; the others' lengths are budgets of gradient steps, the same whatever n.
// Why quick differs from the paper (docs/experiments.md, "Why quick is not the paper's network"):
// on lavapipe a step of the paper's d-500-500-2000-10 autoencoder costs about 4× one of
// d-256-256-512-10. Why batches of 64 (docs/experiments.md, "The default run over seeds"): a step
// of 64 costs a third of one of 256 on lavapipe, and in the time of 1,600 / 2,000 steps of 256 (DEC
// ACC 0.727 on the bundled digits, seeds 0-2) the many more updates of 64 reach 0.845.
import type { ScaleMode } from '../data/preprocess.js';
import type { Init } from '../nn/linear.js';
import type { DecConfig } from '../dec/dec-train.js';
import type { AugmentConfig } from './config.js';
import type { EndToEndConfig, LayerwiseConfig } from '../dec/pretrain.js';

/** The training presets: quick (the default), paper, endtoend, dec-da. */
export type PresetName = 'quick' | 'paper' | 'endtoend' | 'dec-da';

/** A training preset: everything a run's config takes from it unless overridden. */
export interface Preset {
  name: PresetName;
  /** The encoder's widths for inputs of d features, input first. */
  dims: (d: number) => number[];
  /**
   * Where set, the schedule is counted in passes over the data rather than in steps: resolveConfig
   * turns it into the steps of n points (the step counts below are then those of the bundled
   * 10,000 digits, for reference).
   */
  sizing?: Sizing;
  init: Init;
  pretrain: { recipe: 'layerwise'; cfg: LayerwiseConfig } | { recipe: 'endtoend'; cfg: EndToEndConfig };
  dec: Omit<DecConfig, 'k'>;
  kmeansRestarts: number;
  rawKmeansRestarts: number;
  /** Input scaling: 'unit' (8-bit pixels / 255) or the paper's normalisation to a target. */
  scale: { mode: ScaleMode; target?: number };
  /**
   * DEC-DA's augmentation of every training batch, where the preset has it; `optional`: only where
   * the data are images (otherwise the preset needs images).
   */
  augment?: AugmentConfig & { optional: boolean };
}

/**
 * A schedule in passes over the data (epochs of ⌈n / batch⌉ steps): pretraining's steps, DEC's
 * iteration budget at DEC's batch, the target P recomputed every `updateEpochs`; each at least its
 * floor, so that tiny data still gets enough steps to learn from and P time to move between updates.
 */
export interface Sizing {
  pretrainEpochs: number;
  minPretrainSteps: number;
  decEpochs: number;
  minDecIter: number;
  updateEpochs: number;
  /** The least number of DEC iterations between target updates (the DEC code's 140). */
  minUpdateInterval: number;
}

/** Steps of `epochs` passes over n points in batches of `batch` (the last batch of a pass may be short). */
export function epochSteps(epochs: number, n: number, batch: number): number {
  return Math.ceil(epochs * Math.ceil(n / batch));
}

/** The steps a sizing gives n points at these batch sizes. */
export function sizedSteps(s: Sizing, n: number, batch: number, decBatch: number): { pretrainSteps: number; maxIter: number; updateInterval: number } {
  return {
    pretrainSteps: Math.max(s.minPretrainSteps, epochSteps(s.pretrainEpochs, n, batch)),
    maxIter: Math.max(s.minDecIter, epochSteps(s.decEpochs, n, decBatch)),
    updateInterval: Math.max(s.minUpdateInterval, Math.round(s.updateEpochs * Math.ceil(n / decBatch))),
  };
}

const decDefaults = { alpha: 1, lr: 0.01, momentum: 0.9, batch: 256, updateInterval: 140, tol: 0.001, resetMomentum: false };
/**
 * The quick preset's widths: d-256-256-512-10, each hidden layer no wider than the data needs
 * (8 units per input feature, at least 32): iris's 4 features get 4-32-32-64-10.
 */
function quickDims(d: number): number[] {
  const cap = Math.max(32, 8 * d);
  return [d, Math.min(256, cap), Math.min(256, cap), Math.min(512, 2 * cap), 10];
}
const paperDims = (d: number) => [d, 500, 500, 2000, 10];

/** The presets by name. */
export const presets: Record<PresetName, Preset> = {
  quick: {
    name: 'quick',
    dims: quickDims,
    sizing: { pretrainEpochs: 28, minPretrainSteps: 1000, decEpochs: 51, minDecIter: 1000, updateEpochs: 3.5, minUpdateInterval: 140 },
    init: { kind: 'uniform-fan-in' },
    pretrain: {
      recipe: 'endtoend',
      // Steps of the bundled 10,000 digits (the sizing above gives them for other n).
      cfg: { batch: 64, steps: 4396, optim: { kind: 'adam', lr: 1e-3, momentum: 0, lrStep: 0, momentumRamp: 0, biasLrMult: 1 } },
    },
    dec: { ...decDefaults, batch: 64, updateInterval: 550, maxIter: 8007 },
    kmeansRestarts: 20,
    rawKmeansRestarts: 3,
    scale: { mode: 'unit' },
    // DEC-DA's warps where the data are images (docs/experiments.md).
    augment: { rotate: 10, shift: 0.1, optional: true },
  },
  endtoend: {
    name: 'endtoend',
    dims: paperDims,
    init: { kind: 'uniform-fan-in' },
    pretrain: {
      recipe: 'endtoend',
      // 12,000 steps: 300 epochs of 10,000 points, 44 of MNIST's 70,000.
      cfg: { batch: 256, steps: 12000, optim: { kind: 'sgd', lr: 1, momentum: 0.9, lrStep: 0, momentumRamp: 0, biasLrMult: 1 } },
    },
    dec: { ...decDefaults, maxIter: 20000 },
    kmeansRestarts: 20,
    rawKmeansRestarts: 20,
    scale: { mode: 'unit' },
  },
  'dec-da': {
    name: 'dec-da',
    // DEC-DA (Guo, Zhu, Liu, Yin 2018): the paper's network, 500 epochs of Adam on batches warped by
    // up to ±10° and ±10 % of the side, then DEC on warped batches with P from the clean data until
    // fewer than 0.1 % of the points change cluster. Made for GPUs: on a CPU, shorten it with
    // --pretrain-steps (or --epochs) and --max-iter.
    dims: paperDims,
    init: { kind: 'uniform-fan-in' },
    pretrain: {
      recipe: 'endtoend',
      // 20,000 steps: 500 epochs of 10,000 points (--epochs 500 sizes it for other data).
      cfg: { batch: 256, steps: 20000, optim: { kind: 'adam', lr: 1e-3, momentum: 0, lrStep: 0, momentumRamp: 0, biasLrMult: 1 } },
    },
    dec: { ...decDefaults, maxIter: 20000 },
    kmeansRestarts: 20,
    rawKmeansRestarts: 3,
    scale: { mode: 'unit' },
    augment: { rotate: 10, shift: 0.1, optional: false },
  },
  paper: {
    name: 'paper',
    dims: paperDims,
    init: { kind: 'gaussian', std: 0.01 },
    pretrain: {
      recipe: 'layerwise',
      cfg: {
        batch: 256,
        layerIters: 50000,
        finetuneIters: 100000,
        dropout: 0.2,
        optim: { kind: 'sgd', lr: 0.1, momentum: 0.9, lrStep: 20000, momentumRamp: 1000, biasLrMult: 2 },
      },
    },
    dec: { ...decDefaults, updateInterval: 160, resetMomentum: true, maxIter: 200000 },
    kmeansRestarts: 20,
    rawKmeansRestarts: 20,
    // The recipe (N(0, 0.01²), SGD lr 0.1) is tuned for larger inputs than [0, 1] pixels: mean
    // (1/d)·‖x‖² = 2.9 is what the original code's 0.02 per grey level gives MNIST, the reading that
    // measured best in a PyTorch reference of the recipe (docs/experiments.md: ours is still to be measured).
    scale: { mode: 'paper', target: 2.9 },
  },
};
