// `webgpu-dec train`: DEC on the bundled digits or on the user's own data, as a loop over the
// pipeline's phases (src/run/phases.ts). Writes config.json at the start, checkpoints while it
// runs, metrics.json, assignments.csv, model.safetensors and history.json at the end, then the
// t-SNE maps (tsne.csv, tsne.json) and report.html; `--resume DIR`
// continues a run from its checkpoint. Everything the user gave is checked before anything is
// written: bad input leaves no run directory behind.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDevice } from '../api/device.js';
import { choiceRecord, describeChoice } from '../tensor/ops/matmul-classes.js';
import type { Dataset } from '../data/dataset.js';
import { checkWritableDir, writeAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { CHECKPOINT_FILE, Checkpoints, Interrupted, parsePolicy, type CheckpointPolicy, type Snapshot } from '../run/checkpoint.js';
import { CONFIG_FILE, describeSchedule, resolveConfig, scalingOf, type Overrides, type RunConfig } from '../run/config.js';
import { prepareData } from '../data/prepare.js';
import { HISTORY_FILE } from '../run/history.js';
import { MODEL_FILE, writeRunOutputs, type RunMetrics } from '../run/outputs.js';
import { runDec } from '../run/phases.js';
import type { ProgressEvent } from '../nn/loop.js';
import { TSNE_CSV, TSNE_JSON, tsnePhase } from '../run/maps.js';
import { flagHelp, parseFlags, UsageError, type FlagSpec, type Flags } from './args.js';
import { dataMode, GPU_MEMORY_FLAG, OVERRIDE_FLAGS, readOptionsOf } from './options.js';
import { Reporter } from './reporter.js';
import { ReportedCheckpoints, TargetUpdates } from './train-events.js';

/**
 * The flags `--resume` takes besides the folder: where it runs and how it reports, never what it
 * computes (the run's config.json says that). The help and the check both read this list.
 */
const RESUME_FLAGS = ['adapter', 'checkpoint-every', 'json'] as const;

export const trainFlags: FlagSpec = {
  data: { kind: 'string', help: 'mnist (the bundled 10,000 digits, default) or a file: .npy, .csv, .idx/.idx3-ubyte (.gz too)' },
  labels: { kind: 'string', help: 'labels for --data (.npy, .csv, .idx1-ubyte): enables ACC/NMI/ARI' },
  n: { kind: 'int', help: 'a stratified, seeded subset of this many points' },
  k: { kind: 'int', help: 'number of clusters, at least 2 (default 10)' },
  preset: { kind: 'string', help: 'quick (default) | paper | endtoend | dec-da', choices: ['quick', 'paper', 'endtoend', 'dec-da'] },
  seed: { kind: 'int', help: 'all randomness flows from it (default 0)' },
  out: { kind: 'string', help: 'run folder (default dec-out)' },
  resume: { kind: 'string', help: `continue the run in this folder from its checkpoint (takes no other flags but ${RESUME_FLAGS.map((k) => `--${k}`).join(', ')})` },
  'checkpoint-every': { kind: 'string', help: 'checkpoint every N training steps ("500") or minutes ("10m", the default); --resume keeps the run\'s' },
  alpha: { kind: 'number', help: "Student's t degrees of freedom (default 1)" },
  'update-interval': { kind: 'int', help: 'DEC iterations between target updates (quick: 3.5 epochs, at least 140; the others 140, paper 160)' },
  tol: { kind: 'number', help: 'stop when fewer than this fraction of points change cluster (default 0.001)' },
  'max-iter': { kind: 'int', help: 'DEC iterations at most (quick: 51 epochs, at least 1,000; preset default)' },
  'kmeans-restarts': { kind: 'int', help: 'k-means restarts on the embedding, best inertia kept (default 20)' },
  'raw-kmeans-restarts': { kind: 'int', help: 'restarts of the raw-input k-means baseline (0 skips it)' },
  'pretrain-steps': { kind: 'int', help: 'pretraining steps (quick: 28 epochs, at least 1,000; endtoend 12,000, dec-da 20,000 whatever n)' },
  epochs: { kind: 'int', help: 'pretraining epochs instead of steps (quick, endtoend): steps = epochs · ⌈n / batch⌉' },
  'layer-iters': { kind: 'int', help: 'paper preset: steps per layer-wise pair (default 50,000)' },
  'finetune-iters': { kind: 'int', help: 'paper preset: end-to-end fine-tuning steps (default 100,000)' },
  batch: { kind: 'int', help: 'minibatch size of pretraining and DEC (quick 64, the others 256)' },
  lr: { kind: 'number', help: 'pretraining learning rate (preset default)' },
  'lr-step': { kind: 'int', help: 'divide the pretraining learning rate by 10 every this many steps' },
  'dec-batch': { kind: 'int', help: "DEC's minibatch size alone (default: --batch)" },
  'dec-lr': { kind: 'number', help: "DEC's SGD learning rate (default 0.01)" },
  'dec-momentum': { kind: 'number', help: "DEC's SGD momentum, in [0, 1) (default 0.9)" },
  dims: { kind: 'string', help: 'encoder widths after the input, e.g. 500,500,2000,10 (preset default)' },
  scale: { kind: 'string', help: 'input scaling: unit (8-bit pixels / 255; quick, endtoend) | paper (mean (1/d)‖x‖² to --scale-target; the paper preset) | none', choices: ['unit', 'paper', 'none'] },
  'scale-target': { kind: 'number', help: '--scale paper: the mean (1/d)‖x‖² to reach (paper preset 2.9, else 1)' },
  'input-scale': { kind: 'number', help: 'multiply the inputs by this after the unit or none rule' },
  'tsne-points': { kind: 'int', help: "points in the report's t-SNE maps (default 2,000 on a software adapter, 10,000 on a GPU; 0: none)" },
  augment: { kind: 'flag', help: 'DEC-DA: warp every training batch by a random rotation and shift (images: IDX, the bundled digits, or --image)' },
  'no-augment': { kind: 'flag', help: "train on the batches as they are, whatever the preset's augmentation" },
  'aug-rotate': { kind: 'number', help: '--augment: the largest rotation, degrees (default 10)' },
  'aug-shift': { kind: 'number', help: '--augment: the largest shift, a share of the side (default 0.1)' },
  image: { kind: 'string', help: 'HxW: the rows of an NPY or CSV file are images of this shape (for --augment and the report)' },
  'recon-weight': { kind: 'number', help: "IDEC: keep the decoder in DEC, loss KL + γ·MSE with this γ (default 0: DEC; IDEC's 0.1)" },
  json: { kind: 'flag', help: 'JSON-lines events on stdout (start, progress, target_update, checkpoint, done; see webgpu-dec help); the summary goes to stderr' },
  adapter: { kind: 'string', help: 'use the adapter whose name contains this' },
  'gpu-memory': GPU_MEMORY_FLAG,
};

export const trainUsage = `usage: webgpu-dec train [flags]
       webgpu-dec train --resume DIR [--adapter NAME] [--checkpoint-every N|Mm] [--json]

${flagHelp(trainFlags)}`;

/** The run settings among the flags, as the library's options (the table: src/cli/options.ts). */
export function overridesOf(f: Flags): Overrides {
  const o: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(OVERRIDE_FLAGS)) if (f[flag] !== undefined) o[field] = f[flag];
  if (f['no-augment']) {
    if (f.augment) throw new UsageError('--augment and --no-augment contradict each other; give one');
    o.augment = false;
  }
  if (f.dims !== undefined) {
    const dims = String(f.dims).split(',').map(Number);
    if (dims.some((w) => !Number.isInteger(w) || w < 1)) throw new UsageError(`--dims must be positive integers separated by commas, e.g. 500,500,2000,10; got "${f.dims}"`);
    o.dims = dims;
  }
  return o as Overrides;
}

interface Plan {
  cfg: RunConfig;
  ds: Dataset;
  out: string;
  policy: CheckpointPolicy;
  resume?: Snapshot;
}

function policyOf(f: Flags, fallback = '10m'): CheckpointPolicy {
  const text = (f['checkpoint-every'] as string | undefined) ?? fallback;
  const p = parsePolicy(text);
  if (!p) throw new UsageError(`--checkpoint-every must be a number of steps ("500") or minutes ("10m"); got "${text}"`);
  return p;
}

/** `--image HxW` for rows of d values. */
function imageShape(text: string, d: number, data: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--image must be HxW, e.g. 28x28; got "${text}"`);
  const [h, w] = [Number(m[1]), Number(m[2])];
  if (h * w !== d) throw new UsageError(`--image ${text} is ${h * w} pixels, but the rows of ${data} hold ${d} values; pass the shape of one row`);
  return [h, w];
}

/** A new run: flags, data and output folder checked; nothing written yet. */
async function planNew(f: Flags): Promise<Plan> {
  const o = overridesOf(f);
  const out = (f.out as string | undefined) ?? 'dec-out';
  checkWritableDir(out);
  if (existsSync(join(out, CHECKPOINT_FILE))) {
    throw new InputError(`--out ${out} holds the checkpoint of an unfinished run: continue it with webgpu-dec train --resume ${out}, or choose another --out (or delete ${join(out, CHECKPOINT_FILE)})`);
  }
  const policy = policyOf(f);
  const subset = (f.n as number | undefined) ?? null;
  if (subset !== null && subset < 2) throw new UsageError(`--n must be at least 2; got ${subset}`);
  const source = { data: (f.data as string | undefined) ?? 'mnist', labels: (f.labels as string | undefined) ?? null, subset };
  const { ds, sha256, rows, preprocess } = await prepareData(source, o.seed ?? 0, scalingOf(o), true, readOptionsOf(f, source.data));
  if (f.image !== undefined) ds.image = imageShape(String(f.image), ds.d, source.data);
  const cfg = resolveConfig(o, { ...source, rows, d: ds.d, sha256, image: ds.image, stream: ds.stream }, ds.n, preprocess);
  if (f['checkpoint-every'] !== undefined) cfg.checkpointEvery = f['checkpoint-every'] as string;
  return { cfg, ds, out, policy };
}

/** `--resume DIR`: the run's own config, the same data (checked by its fingerprint), the checkpoint. */
async function planResume(f: Flags): Promise<Plan> {
  const allowed = new Set(['resume', ...RESUME_FLAGS]);
  const extra = Object.keys(f).filter((k) => !allowed.has(k));
  if (extra.length) throw new UsageError(`--resume continues the run as configured in its ${CONFIG_FILE}; drop ${extra.map((k) => `--${k}`).join(' ')}`);
  const dir = f.resume as string;
  const file = join(dir, CONFIG_FILE);
  if (!existsSync(file)) throw new InputError(`--resume ${dir}: no ${CONFIG_FILE} there; is it a run folder of webgpu-dec train?`);
  let cfg: RunConfig;
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8')) as RunConfig;
    if (cfg.format !== 'webgpu-dec-config/1') throw new Error(`format ${cfg.format}`);
  } catch (e) {
    throw new InputError(`${file}: not a webgpu-dec run configuration (${(e as Error).message})`);
  }
  const resume = Checkpoints.load(dir);
  if (resume.run !== runStamp(cfg)) throw new InputError(`--resume ${dir}: its ${CHECKPOINT_FILE} belongs to another run than its ${CONFIG_FILE}; start a new run`);
  checkWritableDir(dir, 'resume');
  // The rows are held as the run started (resident or out-of-core, in the same order), whatever the budget now.
  const { ds, sha256 } = await prepareData(cfg.source, cfg.seed, cfg.preprocess, false, { ...readOptionsOf(f, cfg.source.data), stream: cfg.source.stream ?? null });
  if (sha256 !== cfg.source.sha256) throw new InputError(`--resume ${dir}: ${cfg.source.data} has changed since the run started (its values differ; a run started by a version that fingerprinted the scaled values cannot be resumed either); start a new run`);
  if (cfg.source.image) ds.image = cfg.source.image;
  return { cfg, ds, out: dir, policy: policyOf(f, cfg.checkpointEvery), resume };
}

/** What ties a checkpoint to its run: a hash of the run's configuration (--checkpoint-every aside). */
function runStamp(cfg: RunConfig): string {
  const { checkpointEvery: _, ...rest } = cfg;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

export async function train(args: string[]): Promise<number> {
  const f = parseFlags(args, trainFlags);
  const plan = f.resume !== undefined ? await planResume(f) : await planNew(f);
  const { cfg, ds, out } = plan;
  // The product kernels: the run's recorded choice on resume (the same kernels, the same result),
  // else this adapter's (cached, or measured now), recorded in the config.
  const rt = await openDevice({ adapter: f.adapter as string | undefined, products: { recorded: plan.resume ? cfg.products : undefined } });
  if (!plan.resume) cfg.products = choiceRecord(rt.products);
  const rep = new Reporter('train', f.json === true);
  const checkpoints = new ReportedCheckpoints(out, plan.policy, (line) => rep.say(line), runStamp(cfg));
  // Ctrl-C: finish the step, write a checkpoint, exit 130. Repeats (a terminal and a launcher may
  // both deliver one) change nothing.
  const onSigint = () => {
    if (!checkpoints.stopRequested) rep.say('stopping after this step (a checkpoint, then exit 130)');
    checkpoints.stopRequested = true;
  };
  process.on('SIGINT', onSigint);
  try {
    const at = plan.resume?.position;
    const what = at ? `resuming ${out} at ${at.phase} step ${at.step}` : `${ds.name}`;
    rep.say(`${what}: ${ds.n} points × ${ds.d}, k = ${cfg.k}, preset ${cfg.preset}, seed ${cfg.seed}, adapter ${rt.adapterName}`);
    rep.say(describeSchedule(cfg));
    rep.say(`data: ${dataMode(ds)}`);
    rep.say(`product kernels: ${describeChoice(rt.products)} (${rt.products.how})`);
    rep.start({ out, data: ds.name, n: ds.n, d: ds.d, k: cfg.k, preset: cfg.preset, seed: cfg.seed, adapter: rt.adapterName, resume: at ? { ...at } : null });
    const updates = new TargetUpdates(() => checkpoints.history, rep, plan.resume?.history);
    checkpoints.saved = (snap) => {
      updates.flush();
      rep.event(checkpoints.event(snap));
    };
    checkpoints.phaseEnded = () => rep.endPhase();
    const progress = (e: ProgressEvent) => {
      updates.flush();
      rep.progress(e);
    };
    if (!plan.resume) writeAtomic(out, CONFIG_FILE, JSON.stringify(cfg, null, 2) + '\n');
    const r = await runDec(rt, ds, cfg, { progress, checkpoints, resume: plan.resume });
    updates.flush();
    rep.endPhase();
    const metrics = await writeRunOutputs(out, ds, r, cfg, { image: ds.image ?? null, adapter: rt.adapterName, gpuBytes: rt.pool.peak });
    r.ae.dispose();
    if (r.maps.length) {
      rep.say(`t-SNE maps of ${r.maps[0].cluster.length} points' embedding, after pretraining and after DEC (--tsne-points to change)`);
      await tsnePhase(rt, ds, cfg, r.maps, out, (stage, e) => rep.tsneProgress(`t-SNE ${stage}`, e));
      rep.endPhase();
    }
    // The GPU's work is done: its memory (host memory on a CPU adapter such as lavapipe) goes back
    // before the report is drawn, and the renderer (Vega: 16 MiB more RSS once imported) is loaded
    // only now, so neither adds to the run's peak.
    rt.destroy();
    const { writeRunReport } = await import('./report.js');
    await writeRunReport(out, ds);
    await rep.end();
    printSummary(metrics, out, (line) => rep.output(line));
    const files = [CONFIG_FILE, 'metrics.json', 'assignments.csv', MODEL_FILE, HISTORY_FILE, TSNE_CSV, TSNE_JSON, 'report.html'];
    rep.done(metrics, files.map((name) => join(out, name)).filter((path) => existsSync(path)));
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) throw new Interrupted(`(${e.message.replace(/^interrupted /, '')}); continue with: webgpu-dec train --resume ${out}`);
    throw e;
  } finally {
    // The SIGINT handler stays until the process exits: a late second Ctrl-C must not kill the
    // process while it reports how to resume.
    rep.close(); // the bar gives way to the error message, if any
    rt.destroy();
  }
}

function printSummary(m: RunMetrics, out: string, print: (line: string) => void): void {
  const fmt = (x: RunMetrics['dec']) => (x ? `ACC ${x.acc.toFixed(3)}  NMI ${x.nmi.toFixed(3)}  ARI ${x.ari.toFixed(3)}` : 'no labels');
  print(`DEC          ${fmt(m.dec)}`);
  print(`AE + k-means ${fmt(m.ae_kmeans)}`);
  print(`raw k-means  ${m.raw_kmeans ? fmt(m.raw_kmeans) : 'skipped'}`);
  print(`(NMI: arithmetic normalisation)  ${m.dec_iterations} DEC iterations, stopped by ${m.stopped_by}, ${m.seconds.total}s; wrote ${out}/metrics.json, assignments.csv, model.safetensors, report.html`);
}
