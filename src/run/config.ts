// One run's configuration, resolved once from a preset and the user's overrides, and written to
// the run directory as config.json: every phase reads it, and `--resume` rebuilds the run from it.
import type { ChoiceRecord } from '../tensor/ops/matmul-classes.js';
import type { Preprocess, ScaleMode } from '../data/preprocess.js';
import type { StreamLayout } from '../data/streamed.js';
import { OptionError, type OptionName } from '../io/errors.js';
import { CONFIG_FORMAT } from '../records/config.js';
import type { Init } from '../nn/linear.js';
import type { DecConfig } from '../dec/dec-train.js';
import { epochSteps, presets, sizedSteps, type Preset, type PresetName, type Sizing } from './presets.js';

export { CONFIG_FILE } from '../records/config.js';

/** What the user may change; anything unset comes from the preset. */
export interface Overrides {
  preset?: PresetName;
  seed?: number;
  k?: number;
  alpha?: number;
  updateInterval?: number;
  tol?: number;
  maxIter?: number;
  kmeansRestarts?: number;
  rawKmeansRestarts?: number;
  /** End-to-end recipes: epochs of the data, turned into a step budget. */
  epochs?: number;
  /** End-to-end recipes: the step budget itself. */
  pretrainSteps?: number;
  /** Layer-wise recipe: steps per layer pair and of fine-tuning. */
  layerIters?: number;
  finetuneIters?: number;
  /** Minibatch size of pretraining and of DEC (decBatch, where given, sets DEC's alone). */
  batch?: number;
  /** Pretraining's learning rate. */
  lr?: number;
  lrStep?: number;
  /** DEC's minibatch size, learning rate and momentum (SGD), where they differ from the preset's. */
  decBatch?: number;
  decLr?: number;
  decMomentum?: number;
  /** Encoder widths after the input. */
  dims?: number[];
  /** Input scaling: 'unit', 'none', or 'paper' (a factor that brings mean (1/d)‖x‖² to scaleTarget). */
  scale?: ScaleMode;
  scaleTarget?: number;
  /** A fixed factor after the 'unit' or 'none' rule. */
  inputScale?: number;
  /** Points of the report's t-SNE maps (0: none). */
  tsnePoints?: number;
  /**
   * DEC-DA: warp every training batch (images only): true, false, or unset for the preset's choice;
   * the largest rotation (degrees) and shift (share of the side).
   */
  augment?: boolean;
  augRotate?: number;
  augShift?: number;
  /** IDEC's γ: keep the decoder in DEC with the loss KL + γ·MSE (0: DEC). */
  reconWeight?: number;
}

/** DEC-DA's augmentation in a run: the largest rotation (degrees) and shift (a share of the side). */
export interface AugmentConfig {
  rotate: number;
  shift: number;
}

/** Where the data came from: enough to load the same rows again on --resume. */
export interface DataSource {
  data: string; // 'mnist' or a path
  labels: string | null;
  /** A stratified subset of this many rows, or null for all. */
  subset: number | null;
  /** Rows and features of the loaded file (before the subset), and a fingerprint of its values. */
  rows: number;
  d: number;
  sha256: string;
  /** Height × width when each row is an image (IDX files, the bundled digits, `image` given). */
  image?: [number, number];
  /**
   * Set where the rows exceeded the GPU memory budget: the run reads them from the file a window at
   * a time, in the windowed order this layout gives (src/data/streamed.ts); a resumed run keeps it.
   */
  stream?: StreamLayout;
}

/**
 * One run's configuration, resolved once (resolveConfig) and written as config.json: every phase
 * reads it.
 */
export interface RunConfig {
  format: typeof CONFIG_FORMAT;
  source: DataSource;
  /** Points the run trains on (after the subset). */
  n: number;
  seed: number;
  k: number;
  preset: PresetName;
  dims: number[];
  init: Init;
  pretrain: Preset['pretrain'];
  dec: DecConfig;
  kmeansRestarts: number;
  rawKmeansRestarts: number;
  preprocess: Preprocess;
  /** `--checkpoint-every` as given ("500" steps or "10m"); --resume keeps it unless given again. */
  checkpointEvery: string;
  /**
   * Points of the report's t-SNE maps of the embedding (a random subset: the first of the run's
   * seeded order); 'auto': every point, up to 100,000; 0: no maps.
   */
  tsnePoints: number | 'auto';
  /**
   * The product kernel of each class of products the run uses (measured or cached for the adapter
   * when it started); --resume uses the same, so that a resumed run equals an uninterrupted one.
   * Absent in configs written before kernels were chosen by measurement. `refused`: the kernels
   * that gave wrong products on this adapter when checked against float64, and where.
   */
  products?: ChoiceRecord;
  /**
   * The adapter the run started on, named as metrics.json names it (vendor / architecture / device
   * / description). Absent in configs written before it was recorded. --resume may continue on
   * another adapter only where `products` can run there (run/job.ts onDevice).
   */
  adapter?: string;
  /** DEC-DA's augmentation of every training batch; absent: none. */
  augment?: AugmentConfig;
  /**
   * The preset's schedule in passes over the data, where it has one (quick): the step counts above
   * are what it gave these n points, unless a flag set them.
   */
  sizing?: Sizing;
}

/** Range checks: one line each, naming the option (the command line names its flag). */
function check(o: Overrides, n: number): void {
  const fail = (render: (name: OptionName) => string) => {
    throw new OptionError(render);
  };
  const atLeast = (field: keyof Overrides, min: number) => {
    const v = o[field] as number | undefined;
    if (v !== undefined && !(v >= min)) fail((name) => `${name(field)} must be at least ${min}; got ${v}`);
  };
  for (const field of ['updateInterval', 'maxIter', 'kmeansRestarts', 'epochs', 'pretrainSteps', 'layerIters', 'finetuneIters', 'lrStep', 'batch', 'decBatch'] as const) atLeast(field, 1);
  atLeast('rawKmeansRestarts', 0);
  atLeast('k', 2);
  if ((o.k ?? 10) > n) fail((name) => `${name('k')} ${o.k ?? 10} is more clusters than the ${n} points; use a smaller ${name('k')} or more data`);
  for (const field of ['lr', 'decLr', 'alpha', 'inputScale', 'scaleTarget'] as const) {
    const v = o[field];
    if (v !== undefined && !(v > 0)) fail((name) => `${name(field)} must be positive; got ${v}`);
  }
  if (o.tol !== undefined && !(o.tol >= 0 && o.tol < 1)) fail((name) => `${name('tol')} must be in [0, 1); got ${o.tol}`);
  if (o.decMomentum !== undefined && !(o.decMomentum >= 0 && o.decMomentum < 1)) fail((name) => `${name('decMomentum')} must be in [0, 1); got ${o.decMomentum}`);
  if (o.tsnePoints !== undefined && o.tsnePoints !== 0 && !(o.tsnePoints >= 12)) fail((name) => `${name('tsnePoints')} must be 0 (no maps) or at least 12; got ${o.tsnePoints}`);
  if (o.dims && (!o.dims.length || o.dims.some((w) => !Number.isInteger(w) || w < 1))) fail((name) => `${name('dims')} must be positive integers, e.g. 500,500,2000,10`);
  if (o.augRotate !== undefined && !(o.augRotate >= 0 && o.augRotate <= 180)) fail((name) => `${name('augRotate')} must be an angle in degrees from 0 to 180; got ${o.augRotate}`);
  if (o.augShift !== undefined && !(o.augShift >= 0 && o.augShift <= 0.5)) fail((name) => `${name('augShift')} must be a share of the side from 0 to 0.5; got ${o.augShift}`);
  const augmenting = o.augment ?? !!presets[o.preset ?? 'quick'].augment;
  if ((o.augRotate !== undefined || o.augShift !== undefined) && !augmenting) fail((name) => `${name('augRotate')} and ${name('augShift')} apply with ${name('augment')}`);
  if (o.reconWeight !== undefined && !(o.reconWeight >= 0)) fail((name) => `${name('reconWeight')} must be at least 0 (0: DEC, 0.1: IDEC); got ${o.reconWeight}`);
}

/** The augmentation of a run (asked for, or the preset's), checked against its data: images only. */
function augmentOf(o: Overrides, preset: Preset, source: DataSource): AugmentConfig | undefined {
  if (o.augment === false || (o.augment === undefined && !preset.augment)) return undefined;
  if (!source.image) {
    // The preset warps images only where there are images (unless the warps were asked for).
    if (o.augment === undefined && preset.augment?.optional && o.augRotate === undefined && o.augShift === undefined) return undefined;
    throw new OptionError((name) => `${o.augment ? name('augment') : `the ${preset.name} preset`} warps images, but ${source.data} has rows of ${source.d} values with no image shape; pass ${name('image')} HxW (h · w = ${source.d}), or ${o.augment ? `leave ${name('augment')} out` : `use another ${name('preset')}`}`);
  }
  return { rotate: o.augRotate ?? preset.augment?.rotate ?? 10, shift: o.augShift ?? preset.augment?.shift ?? 0.1 };
}

/** The pretraining recipe of the preset with the overrides applied (lengths in steps). */
function pretrainOf(preset: Preset, o: Overrides, n: number, sized?: number): Preset['pretrain'] {
  const pre = structuredClone(preset.pretrain);
  const cfg = pre.cfg;
  if (o.batch !== undefined) cfg.batch = o.batch;
  if (pre.recipe === 'endtoend' && sized !== undefined) pre.cfg.steps = sized; // the preset's epochs for this n
  if (o.lr !== undefined) cfg.optim.lr = o.lr;
  if (o.lrStep !== undefined) cfg.optim.lrStep = o.lrStep;
  if (pre.recipe === 'endtoend') {
    if (o.layerIters !== undefined || o.finetuneIters !== undefined) throw new OptionError((name) => `${name('layerIters')} and ${name('finetuneIters')} apply to the paper preset's layer-wise recipe; use ${name('pretrainSteps')} or ${name('epochs')} with ${preset.name}`);
    if (o.epochs !== undefined) pre.cfg.steps = epochSteps(o.epochs, n, cfg.batch);
    if (o.pretrainSteps !== undefined) pre.cfg.steps = o.pretrainSteps;
  } else {
    if (o.epochs !== undefined || o.pretrainSteps !== undefined) throw new OptionError((name) => `${name('epochs')} and ${name('pretrainSteps')} apply to the end-to-end presets (quick, endtoend, dec-da); the paper preset takes ${name('layerIters')} and ${name('finetuneIters')}`);
    if (o.layerIters !== undefined) pre.cfg.layerIters = o.layerIters;
    if (o.finetuneIters !== undefined) pre.cfg.finetuneIters = o.finetuneIters;
  }
  return pre;
}

/**
 * How the data is to be scaled, before the data is seen: the rule and, for 'paper', the target
 * (the factor itself is computed on the loaded data: `paperFactor`).
 */
export function scalingOf(o: Overrides): Preprocess {
  const preset = presets[o.preset ?? 'quick'];
  const mode = o.scale ?? (o.inputScale !== undefined ? 'unit' : preset.scale.mode);
  if (mode === 'paper' && o.inputScale !== undefined) throw new OptionError((name) => `${name('inputScale')} sets the factor itself; use it with ${name('scale')} unit or none, not paper`);
  if (mode !== 'paper' && o.scaleTarget !== undefined) throw new OptionError((name) => `${name('scaleTarget')} applies to ${name('scale')} paper`);
  const rule = mode === 'none' ? 'none' : 'unit';
  if (mode !== 'paper') return { rule, factor: o.inputScale ?? 1, scale: mode };
  return { rule, factor: 1, scale: 'paper', target: o.scaleTarget ?? preset.scale.target ?? 1 };
}

/** Preset + overrides for data of n points (after any subset) and d features; `preprocess` as applied to it. */
export function resolveConfig(o: Overrides, source: DataSource, n: number, preprocess: Preprocess = scalingOf(o)): RunConfig {
  check(o, n);
  const preset = presets[o.preset ?? 'quick'];
  const k = o.k ?? 10;
  const decBatch = o.decBatch ?? o.batch ?? preset.dec.batch;
  // A schedule in epochs becomes steps of this n at the batch sizes the run uses.
  const sized = preset.sizing && sizedSteps(preset.sizing, n, o.batch ?? preset.pretrain.cfg.batch, decBatch);
  const dec: DecConfig = {
    ...preset.dec,
    k,
    alpha: o.alpha ?? preset.dec.alpha,
    updateInterval: o.updateInterval ?? sized?.updateInterval ?? preset.dec.updateInterval,
    tol: o.tol ?? preset.dec.tol,
    maxIter: o.maxIter ?? sized?.maxIter ?? preset.dec.maxIter,
    batch: decBatch,
    lr: o.decLr ?? preset.dec.lr,
    momentum: o.decMomentum ?? preset.dec.momentum,
    reconWeight: o.reconWeight ?? preset.dec.reconWeight ?? 0,
  };
  return {
    format: CONFIG_FORMAT,
    source,
    n,
    seed: o.seed ?? 0,
    k,
    preset: preset.name,
    dims: o.dims ? [source.d, ...o.dims] : preset.dims(source.d),
    init: preset.init,
    pretrain: pretrainOf(preset, o, n, sized?.pretrainSteps),
    dec,
    kmeansRestarts: o.kmeansRestarts ?? preset.kmeansRestarts,
    rawKmeansRestarts: o.rawKmeansRestarts ?? preset.rawKmeansRestarts,
    preprocess,
    checkpointEvery: '10m',
    tsnePoints: o.tsnePoints ?? 'auto',
    augment: augmentOf(o, preset, source),
    ...(preset.sizing ? { sizing: preset.sizing } : {}),
  };
}

/**
 * What a run's schedule is, in one line (`train` prints it before it starts): the network, and each
 * phase's steps, batch size and passes over the data.
 */
export function describeSchedule(cfg: RunConfig): string {
  const int = (v: number) => v.toLocaleString('en');
  const epochs = (steps: number, batch: number) => {
    const e = +(steps / Math.ceil(cfg.n / batch)).toFixed(1);
    return `${e} epoch${e === 1 ? '' : 's'}`;
  };
  const pre = cfg.pretrain;
  const pretrain =
    pre.recipe === 'endtoend'
      ? `pretraining ${int(pre.cfg.steps)} steps of ${pre.cfg.batch} (${epochs(pre.cfg.steps, pre.cfg.batch)})`
      : `pretraining ${cfg.dims.length - 1} × ${int(pre.cfg.layerIters)} layer-wise steps + ${int(pre.cfg.finetuneIters)} fine-tuning steps of ${pre.cfg.batch}`;
  const d = cfg.dec;
  const why = cfg.sizing ? `; sized by the ${cfg.preset} preset for ${int(cfg.n)} points` : '';
  return `schedule: network ${cfg.dims.join('-')}; ${pretrain}; DEC ≤ ${int(d.maxIter)} iterations of ${d.batch} (${epochs(d.maxIter, d.batch)}), P every ${int(d.updateInterval)} (${epochs(d.updateInterval, d.batch)})${why}`;
}
