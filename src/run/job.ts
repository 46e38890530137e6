// The job: one run of DEC from a resolved configuration to its folder, the same behind both doors
// (`webgpu-dec train` and the library's `cluster`):
//   data + overrides → config → config.json → phases (runDec) → outputs → t-SNE maps → report.html
// The doors only adapt: the command line parses flags, prints and handles signals; the library
// takes arrays and returns values. Neither calls anything below this file to run a job.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from '../gpu/runtime.js';
import { choiceRecord, describeChoice, parseChoice, PRODUCT_CLASSES } from '../tensor/ops/matmul-classes.js';
import type { Dataset } from '../data/dataset.js';
import { datasetFromArray, type ArrayShape } from '../data/from-array.js';
import { gpuRowBytes, type ReadOptions } from '../data/load.js';
import { prepareData, prepareDataset, type DataSpec } from '../data/prepare.js';
import type { Preprocess } from '../data/preprocess.js';
import { checkWritableDir } from '../io/atomic.js';
import { InputError, OptionError } from '../io/errors.js';
import { modelBytes } from '../model/model-file.js';
import type { ProgressSink } from '../nn/loop.js';
import type { TsneProgress } from '../tsne/tsne.js';
import { ASSIGNMENTS_FILE } from '../records/assignments.js';
import { CONFIG_FILE, readConfig, writeConfig } from '../records/config.js';
import { HISTORY_FILE } from '../records/history.js';
import { METRICS_FILE, type RunMetrics } from '../records/metrics.js';
import { TSNE_CSV, TSNE_JSON } from '../records/tsne.js';
import { CHECKPOINT_FILE, Checkpoints, type Snapshot } from './checkpoint.js';
import { resolveConfig, scalingOf, type DataSource, type Overrides, type RunConfig } from './config.js';
import { tsnePhase } from './maps.js';
import { MODEL_FILE, modelMetaOf, runMetrics, writeRunOutputs } from './outputs.js';
import { runDec, type RunResult } from './phases.js';

/** A run ready to start or continue: its configuration, its data in the run's order, its folder. */
export interface Job {
  cfg: RunConfig;
  ds: Dataset;
  /** The run folder, or null for a run that returns values only (the library without `out`). */
  out: string | null;
  /** The checkpoint a resumed run continues from. */
  resume?: Snapshot;
}

/** A new run on a data file (or the bundled digits). */
export interface FileJobSpec {
  source: DataSpec;
  overrides: Overrides;
  out: string;
  /** How the file is read: the GPU memory budget, progress while it is checked. */
  read?: ReadOptions;
  /** Height × width of each row, where the file's rows are images the file does not say are. */
  image?: [number, number];
  /** The checkpoint policy as given (recorded in config.json, kept by --resume). */
  checkpointEvery?: string;
}

/**
 * What ties a checkpoint to its run: a hash of the run's configuration (the checkpoint policy
 * aside, which --resume may change).
 */
export function runStamp(cfg: RunConfig): string {
  const { checkpointEvery: _, ...rest } = cfg;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** A new run on a file: options, data and folder checked; nothing written yet. */
export async function newFileJob(spec: FileJobSpec): Promise<Job> {
  const { source, overrides: o, out } = spec;
  checkWritableDir(out);
  if (existsSync(join(out, CHECKPOINT_FILE))) {
    throw new InputError(`--out ${out} holds the checkpoint of an unfinished run: continue it with webgpu-dec train --resume ${out}, or choose another --out (or delete ${join(out, CHECKPOINT_FILE)})`);
  }
  if (source.subset !== null && source.subset < 2) throw new OptionError((name) => `${name('n')} must be at least 2; got ${source.subset}`);
  const { ds, sha256, rows, preprocess } = await prepareData(source, o.seed ?? 0, scalingOf(o), true, spec.read ?? {});
  if (spec.image) {
    const [h, w] = spec.image;
    if (h * w !== ds.d) throw new OptionError((name) => `${name('image')} ${h}x${w} is ${h * w} pixels, but the rows of ${source.data} hold ${ds.d} values; pass the shape of one row`);
    ds.image = spec.image;
  }
  const cfg = resolveConfig(o, { ...source, rows, d: ds.d, sha256, image: ds.image, stream: ds.stream }, ds.n, preprocess);
  if (spec.checkpointEvery !== undefined) cfg.checkpointEvery = spec.checkpointEvery;
  return { cfg, ds, out };
}

/**
 * A new run on the rows of `x` ([n, d], row-major; `shape.name` names them in config.json and the
 * report).
 */
export function newArrayJob(x: ArrayLike<number>, shape: ArrayShape, overrides: Overrides, out: string | null): Job {
  const o = overrides;
  const scaling = scalingOf(o);
  const all = datasetFromArray(x, shape, scaling);
  const { ds, sha256, rows, preprocess } = prepareDataset(all, null, o.seed ?? 0, scaling, true);
  const name = all.name;
  const cfg = resolveConfig(o, { data: name, labels: ds.labels ? `${name} labels` : null, subset: null, rows, d: ds.d, sha256, image: ds.image }, ds.n, preprocess);
  if (out) checkWritableDir(out, 'out');
  return { cfg, ds, out };
}

/**
 * The data several runs start from (the experiments, which subsample it per run): read and
 * preprocessed as `overrides` say, in seed 0's order, with what config.json records of it.
 */
export async function sharedData(spec: DataSpec, overrides: Overrides): Promise<{ ds: Dataset; source: DataSource; preprocess: Preprocess }> {
  const { ds, sha256, rows, preprocess } = await prepareData(spec, 0, scalingOf(overrides), true);
  return { ds, source: { ...spec, rows, d: ds.d, sha256, image: ds.image }, preprocess };
}

/** `--resume DIR`: the run's own config, the same data (checked by its fingerprint), the checkpoint. */
export async function resumeJob(dir: string, read: ReadOptions = {}): Promise<Job> {
  if (!existsSync(join(dir, CONFIG_FILE))) throw new InputError(`--resume ${dir}: no ${CONFIG_FILE} there; is it a run folder of webgpu-dec train?`);
  const cfg = readConfig<RunConfig>(dir);
  const resume = Checkpoints.load(dir);
  if (resume.run !== runStamp(cfg)) throw new InputError(`--resume ${dir}: its ${CHECKPOINT_FILE} belongs to another run than its ${CONFIG_FILE}; start a new run`);
  checkWritableDir(dir, 'resume');
  // The rows are held as the run started (resident or out-of-core, in the same order), whatever the budget now.
  const { ds, sha256 } = await prepareData(cfg.source, cfg.seed, cfg.preprocess, false, { ...read, stream: cfg.source.stream ?? null });
  if (sha256 !== cfg.source.sha256) throw new InputError(`--resume ${dir}: ${cfg.source.data} has changed since the run started (its values differ; a run started by a version that fingerprinted the scaled values cannot be resumed either); start a new run`);
  if (cfg.source.image) ds.image = cfg.source.image;
  return { cfg, ds, out: dir, resume };
}

/** The adapter's product kernels and how they were chosen, for a command's first lines. */
export const describeProducts = (rt: Runtime) => `${describeChoice(rt.products)} (${rt.products.how})`;

/**
 * How the data's rows are held, for a command's first lines: on the GPU (resident), or read from
 * the file a window at a time for every pass (out-of-core, where they exceed --gpu-memory).
 */
export function dataMode(ds: Dataset): string {
  if (!ds.stream) return 'resident on the GPU';
  const { windowRows } = ds.stream;
  const mib = (windowRows * gpuRowBytes(ds.d, ds.packed === true)) / 2 ** 20;
  return `out-of-core (over --gpu-memory): read from ${ds.name} in windows of ${windowRows.toLocaleString('en-US')} rows (${mib.toFixed(1)} MiB) for every pass`;
}

/**
 * The job on its device: a new run records the adapter and its product kernels in its config (a
 * resumed run keeps its own: the same kernels, the same result). Before anything stamps the config
 * (the checkpoints' runStamp); runJob does it too.
 *
 * A resumed run may continue on another adapter (a preempted job restarted on another card) only
 * where its recorded product kernels can run there: another kernel would give other products, so
 * the resumed run would silently be another run. Where they cannot, it stops here with one line
 * (exit 2) naming both adapters. A run on the same adapter with the same kernels equals an
 * uninterrupted one bit for bit; on another adapter the same kernels run, but a driver (or a
 * subgroup size) of its own may still round differently.
 */
export function onDevice(job: Job, rt: Runtime): void {
  const { cfg } = job;
  if (!job.resume) {
    cfg.products = choiceRecord(rt.products);
    cfg.adapter = rt.adapterName;
    return;
  }
  if (cfg.products !== undefined && !parseChoice(cfg.products, rt.gpu, 'config')) {
    const started = cfg.adapter ? `adapter "${cfg.adapter}"` : 'another adapter';
    const kernels = PRODUCT_CLASSES.map((c) => `${c} ${cfg.products!.classes[c]?.kernel}`).join(', ');
    throw new InputError(
      `--resume ${job.out}: the run started on ${started} with product kernels (${kernels}) that adapter "${rt.adapterName}" cannot run; ` +
        `resume it where they run (--adapter N|NAME: webgpu-dec info --adapters), or start a new run`,
    );
  }
}

/** What a door hears while the job runs; every hook is optional but `progress`. */
export interface JobHooks {
  /** Each training progress event (phase, step, loss, changed share). */
  progress: ProgressSink;
  /** Checkpoints in the run folder (default: none written). */
  checkpoints?: Checkpoints;
  /** Training is over; the outputs are next. */
  trained?: () => void;
  /** The t-SNE maps of `points` points are next. */
  mapsStart?: (points: number) => void;
  tsneProgress?: (stage: string, e: TsneProgress) => void;
  /** The maps are written. */
  mapsDone?: () => void;
  /**
   * The GPU's work is done: the device may go (the command line destroys it here, so that its
   * memory is back before the report is drawn).
   */
  gpuDone?: () => void;
}

/**
 * TEST ONLY: WEBGPU_DEC_TEST_LOSE_DEVICE_AT=<phase>:<step> (e.g. "dec:40", "pretrain:60") destroys
 * the device at the first progress event of that phase at or past that step, as a driver reset or
 * an Xid error would lose it, so that a test can show, through the command line, what a user meets
 * then (test/resume.test.ts). GPUDevice.destroy() itself, not the runtime's destroy(): the runtime
 * must see a loss it did not ask for. Unset (always, outside tests), the progress hook is the
 * caller's own: nothing is added to the loop.
 */
function loseDeviceForTests(rt: Runtime, progress: ProgressSink): ProgressSink {
  const at = /^(.+):(\d+)$/.exec(process.env.WEBGPU_DEC_TEST_LOSE_DEVICE_AT ?? '');
  if (!at) return progress;
  const [phase, step] = [at[1], Number(at[2])];
  let lost = false;
  return (e) => {
    if (!lost && e.phase === phase && e.step >= step) {
      lost = true;
      rt.device.destroy();
    }
    progress(e);
  };
}

/** What a job returns. */
export interface JobResult {
  /** The run's result, less the autoencoder (disposed: the model bytes hold it). */
  run: Omit<RunResult, 'ae'>;
  /** What metrics.json holds (written where the job has a folder). */
  metrics: RunMetrics;
  /** The model file's bytes. */
  model: Uint8Array;
  /** The files written, in the run folder (empty without one). */
  files: string[];
}

/** The files a finished run folder holds, in the order a run writes them. */
export const RUN_FILES = [CONFIG_FILE, METRICS_FILE, ASSIGNMENTS_FILE, MODEL_FILE, HISTORY_FILE, TSNE_CSV, TSNE_JSON, 'report.html'] as const;

/**
 * Runs the job on `rt`: records the product kernels in a new run's config (the run's own on
 * resume: the same kernels, the same result), writes config.json, runs the phases, writes the
 * outputs, the t-SNE maps and report.html where there is a folder.
 */
export async function runJob(rt: Runtime, job: Job, hooks: JobHooks): Promise<JobResult> {
  const { cfg, ds, out } = job;
  onDevice(job, rt);
  if (out && !job.resume) writeConfig(out, cfg);
  const progress = loseDeviceForTests(rt, hooks.progress);
  const r = await runDec(rt, ds, cfg, { progress, checkpoints: hooks.checkpoints, resume: job.resume });
  hooks.trained?.();
  const meta = modelMetaOf(cfg, ds.image ?? null, rt.adapterName);
  let metrics: RunMetrics;
  let model: Uint8Array;
  try {
    model = await modelBytes(r.ae, r.centers, meta);
    metrics = out ? writeRunOutputs(out, ds, r, cfg, model, rt.adapterName, rt.pool.peak) : runMetrics(ds, r, cfg, rt.adapterName, rt.pool.peak);
  } finally {
    r.ae.dispose();
  }
  if (out && r.maps.length) {
    hooks.mapsStart?.(r.maps[0].cluster.length);
    await tsnePhase(rt, ds, cfg, r.maps, out, hooks.tsneProgress ?? (() => {}));
    hooks.mapsDone?.();
  }
  hooks.gpuDone?.();
  if (out) {
    // The renderer (Vega: 16 MiB more RSS once imported) is loaded only now, so that it does not
    // add to the run's peak.
    const { writeRunReport } = await import('./report.js');
    await writeRunReport(out, ds);
  }
  const { ae: _, ...run } = r;
  const files = out ? RUN_FILES.map((name) => join(out, name)).filter((path) => existsSync(path)) : [];
  return { run, metrics, model, files };
}
