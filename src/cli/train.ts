// `webgpu-dec train`: DEC on the bundled digits or on the user's own data, the job of
// src/run/job.ts (as the library's cluster() runs it): config.json at the start, checkpoints while
// it runs, metrics.json, assignments.csv, model.safetensors and history.json at the end, then the
// t-SNE maps (tsne.csv, tsne.json) and report.html; `--resume DIR` continues a run from its
// checkpoint. This file parses the flags, prints, turns Ctrl-C and SIGTERM into a checkpoint and
// says what a lost device left. Everything the user gave is checked before anything is written: bad
// input leaves no run directory behind.
import { constants as osConstants } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_FILE, describe, parsePolicy, Interrupted, type CheckpointPolicy } from '../run/checkpoint.js';
import { DeviceLostError } from '../gpu/errors.js';
import { METRICS_FILE } from '../records/metrics.js';
import { CONFIG_FILE, describeSchedule, type Overrides } from '../run/config.js';
import { dataMode, describeProducts, newFileJob, onDevice, resumeJob, runJob, runStamp, type Job } from '../run/job.js';
import type { RunMetrics } from '../records/metrics.js';
import type { ProgressEvent } from '../nn/loop.js';
import { openDevice } from '../api/device.js';
import { ADAPTER_HELP, fieldOfFlag, flagHelp, parseFlags, UsageError, type FlagSpec, type Flags } from './args.js';
import { GPU_MEMORY_FLAG, readOptionsOf } from './options.js';
import { Reporter } from './reporter.js';
import { ReportedCheckpoints, TargetUpdates } from './train-events.js';

/**
 * The flags `--resume` takes besides the folder: where it runs and how it reports, never what it
 * computes (the run's config.json says that). The help and the check both read this list.
 */
const RESUME_FLAGS = ['adapter', 'checkpoint-every', 'json'] as const;

/** The signals that stop a run cleanly at the next step: Ctrl-C and a scheduler's preemption. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export const trainFlags: FlagSpec = {
  data: { kind: 'string', help: 'mnist (the bundled 10,000 digits, default) or a file: .npy, .csv, .idx/.idx3-ubyte (.gz too)' },
  labels: { kind: 'string', help: 'labels for --data (.npy, .csv, .idx1-ubyte): enables ACC/NMI/ARI' },
  n: { kind: 'int', help: 'a stratified, seeded subset of this many points' },
  k: { kind: 'int', help: 'number of clusters, at least 2 (default 10)', setting: true },
  preset: { kind: 'string', help: 'quick (default) | paper | endtoend | dec-da', choices: ['quick', 'paper', 'endtoend', 'dec-da'], setting: true },
  seed: { kind: 'int', help: 'all randomness flows from it (default 0)', setting: true },
  out: { kind: 'string', help: 'run folder (default dec-out)' },
  resume: { kind: 'string', help: `continue the run in this folder from its checkpoint (takes no other flags but ${RESUME_FLAGS.map((k) => `--${k}`).join(', ')})` },
  'checkpoint-every': { kind: 'string', help: 'checkpoint every N training steps ("500") or minutes ("10m", the default); --resume keeps the run\'s' },
  alpha: { kind: 'number', help: "Student's t degrees of freedom (default 1)", setting: true },
  'update-interval': { kind: 'int', help: 'DEC iterations between target updates (quick: 3.5 epochs, at least 140; the others 140, paper 160)', setting: true },
  tol: { kind: 'number', help: 'stop when fewer than this fraction of points change cluster (default 0.001)', setting: true },
  'max-iter': { kind: 'int', help: 'DEC iterations at most (quick: 51 epochs, at least 1,000; preset default)', setting: true },
  'kmeans-restarts': { kind: 'int', help: 'k-means restarts on the embedding, best inertia kept (default 20)', setting: true },
  'raw-kmeans-restarts': { kind: 'int', help: 'restarts of the raw-input k-means baseline (0 skips it)', setting: true },
  'pretrain-steps': { kind: 'int', help: 'pretraining steps (quick: 28 epochs, at least 1,000; endtoend 12,000, dec-da 20,000 whatever n)', setting: true },
  epochs: { kind: 'int', help: 'pretraining epochs instead of steps (quick, endtoend): steps = epochs · ⌈n / batch⌉', setting: true },
  'layer-iters': { kind: 'int', help: 'paper preset: steps per layer-wise pair (default 50,000)', setting: true },
  'finetune-iters': { kind: 'int', help: 'paper preset: end-to-end fine-tuning steps (default 100,000)', setting: true },
  batch: { kind: 'int', help: 'minibatch size of pretraining and DEC (quick 64, the others 256)', setting: true },
  lr: { kind: 'number', help: 'pretraining learning rate (preset default)', setting: true },
  'lr-step': { kind: 'int', help: 'divide the pretraining learning rate by 10 every this many steps', setting: true },
  'dec-batch': { kind: 'int', help: "DEC's minibatch size alone (default: --batch)", setting: true },
  'dec-lr': { kind: 'number', help: "DEC's SGD learning rate (default 0.01)", setting: true },
  'dec-momentum': { kind: 'number', help: "DEC's SGD momentum, in [0, 1) (default 0.9)", setting: true },
  dims: { kind: 'string', help: 'encoder widths after the input, e.g. 500,500,2000,10 (preset default)', setting: true },
  scale: { kind: 'string', help: 'input scaling: unit (8-bit pixels / 255; quick, endtoend) | paper (mean (1/d)‖x‖² to --scale-target; the paper preset) | none', choices: ['unit', 'paper', 'none'], setting: true },
  'scale-target': { kind: 'number', help: '--scale paper: the mean (1/d)‖x‖² to reach (paper preset 2.9, else 1)', setting: true },
  'input-scale': { kind: 'number', help: 'multiply the inputs by this after the unit or none rule', setting: true },
  'tsne-points': { kind: 'int', help: "points in the report's t-SNE maps (default every point, up to 100,000; 0: none)", setting: true },
  augment: { kind: 'flag', help: 'DEC-DA: warp every training batch by a random rotation and shift (images: IDX, the bundled digits, or --image)', setting: true },
  'no-augment': { kind: 'flag', help: "train on the batches as they are, whatever the preset's augmentation" },
  'aug-rotate': { kind: 'number', help: '--augment: the largest rotation, degrees (default 10)', setting: true },
  'aug-shift': { kind: 'number', help: '--augment: the largest shift, a share of the side (default 0.1)', setting: true },
  image: { kind: 'string', help: 'HxW: the rows of an NPY or CSV file are images of this shape (for --augment and the report)' },
  'recon-weight': { kind: 'number', help: "IDEC: keep the decoder in DEC, loss KL + γ·MSE with this γ (default 0: DEC; IDEC's 0.1)", setting: true },
  json: { kind: 'flag', help: 'JSON-lines events on stdout (start, progress, target_update, checkpoint, done; see webgpu-dec help); the summary goes to stderr' },
  adapter: { kind: 'string', help: ADAPTER_HELP },
  'gpu-memory': GPU_MEMORY_FLAG,
};

export const trainUsage = `usage: webgpu-dec train [flags]
       webgpu-dec train --resume DIR [--adapter N|NAME] [--checkpoint-every N|Mm] [--json]

${flagHelp(trainFlags)}`;

/** The flags of train that are run settings (each sets the library option of its camelCase name). */
export const SETTING_FLAGS = Object.keys(trainFlags).filter((k) => trainFlags[k].setting);

/** The run settings among the flags, as the library's options. */
export function overridesOf(f: Flags): Overrides {
  const o: Record<string, unknown> = {};
  for (const flag of SETTING_FLAGS) if (f[flag] !== undefined) o[fieldOfFlag(flag)] = f[flag];
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

function policyOf(f: Flags, fallback = '10m'): CheckpointPolicy {
  const text = (f['checkpoint-every'] as string | undefined) ?? fallback;
  const p = parsePolicy(text);
  if (!p) throw new UsageError(`--checkpoint-every must be a number of steps ("500") or minutes ("10m"); got "${text}"`);
  return p;
}

/** `--image HxW`: the shape of one row (the job checks it against the data). */
function imageShape(text: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--image must be HxW, e.g. 28x28; got "${text}"`);
  return [Number(m[1]), Number(m[2])];
}

/** A new run from the flags: checked, data loaded, nothing written yet. */
function newJob(f: Flags): Promise<Job> {
  const source = { data: (f.data as string | undefined) ?? 'mnist', labels: (f.labels as string | undefined) ?? null, subset: (f.n as number | undefined) ?? null };
  return newFileJob({
    source,
    overrides: overridesOf(f),
    out: (f.out as string | undefined) ?? 'dec-out',
    read: readOptionsOf(f, source.data),
    image: f.image !== undefined ? imageShape(String(f.image)) : undefined,
    checkpointEvery: f['checkpoint-every'] as string | undefined,
  });
}

/** `--resume DIR`: only the flags that do not change what the run computes. */
function resumedJob(f: Flags): Promise<Job> {
  const allowed = new Set(['resume', ...RESUME_FLAGS]);
  const extra = Object.keys(f).filter((k) => !allowed.has(k));
  if (extra.length) throw new UsageError(`--resume continues the run as configured in its ${CONFIG_FILE}; drop ${extra.map((k) => `--${k}`).join(' ')}`);
  const dir = f.resume as string;
  return resumeJob(dir, readOptionsOf(f, dir));
}

export async function train(args: string[]): Promise<number> {
  const f = parseFlags(args, trainFlags);
  if (f['checkpoint-every'] !== undefined) policyOf(f); // refused before the data are read
  const job = f.resume !== undefined ? await resumedJob(f) : await newJob(f);
  const { cfg, ds } = job;
  const out = job.out!;
  const policy = policyOf(f, cfg.checkpointEvery);
  // The product kernels: the run's recorded choice on resume (the same kernels, the same result),
  // else this adapter's (cached, or measured now).
  const rt = await openDevice({ adapter: f.adapter as string | undefined, products: { recorded: job.resume ? cfg.products : undefined } });
  onDevice(job, rt);
  const rep = new Reporter('train', f.json === true);
  const checkpoints = new ReportedCheckpoints(out, policy, (line) => rep.say(line), runStamp(cfg));
  // Ctrl-C (SIGINT) and preemption (SIGTERM: Slurm, Kubernetes, docker stop, then SIGKILL after a
  // grace period): finish the step, write a checkpoint, exit 128 + the signal's number (130, 143).
  // The first signal decides; later ones, of either kind, change nothing: each is usually delivered
  // twice (a terminal or a process-group kill signals this process, and the launcher forwards its
  // own), and a second request must not turn into "quit now" while the checkpoint is written.
  const stop: { signal?: NodeJS.Signals; code?: number } = {};
  const onStop = (signal: NodeJS.Signals) => {
    if (stop.signal) return;
    [stop.signal, stop.code] = [signal, 128 + osConstants.signals[signal]];
    rep.say(`stopping after this step (${signal === 'SIGINT' ? '' : `${signal}: `}a checkpoint, then exit ${stop.code})`);
    checkpoints.stopRequested = true;
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onStop);
  // Where the checkpoint on disk stands, for the message should the device be lost.
  let lastCheckpoint = job.resume ? describe(job.resume.position) : null;
  try {
    const at = job.resume?.position;
    const what = at ? `resuming ${out} at ${at.phase} step ${at.step}` : `${ds.name}`;
    rep.say(`${what}: ${ds.n} points × ${ds.d}, k = ${cfg.k}, preset ${cfg.preset}, seed ${cfg.seed}, adapter ${rt.adapterName}`);
    rep.say(describeSchedule(cfg));
    rep.say(`data: ${dataMode(ds)}`);
    rep.say(`product kernels: ${describeProducts(rt)}`);
    rep.start({ out, data: ds.name, n: ds.n, d: ds.d, k: cfg.k, preset: cfg.preset, seed: cfg.seed, adapter: rt.adapterName, resume: at ? { ...at } : null });
    const updates = new TargetUpdates(() => checkpoints.history, rep, job.resume?.history);
    checkpoints.saved = (snap) => {
      lastCheckpoint = `${describe(snap.position)}${snap.label ? `, ${snap.label}` : ''}`;
      updates.flush();
      rep.event(checkpoints.event(snap));
    };
    checkpoints.phaseEnded = () => rep.endPhase();
    const progress = (e: ProgressEvent) => {
      updates.flush();
      rep.progress(e);
    };
    const { metrics, files } = await runJob(rt, job, {
      progress,
      checkpoints,
      trained: () => {
        updates.flush();
        rep.endPhase();
      },
      mapsStart: (m) => rep.say(`t-SNE maps of ${m} points' embedding, after pretraining and after DEC (--tsne-points to change)`),
      tsneProgress: (stage, e) => rep.tsneProgress(`t-SNE ${stage}`, e),
      mapsDone: () => rep.endPhase(),
      // The GPU's work is done: its memory (host memory on a CPU adapter such as lavapipe) goes
      // back before the report is drawn.
      gpuDone: () => rt.destroy(),
    });
    await rep.end();
    printSummary(metrics, out, (line) => rep.output(line));
    rep.done(metrics, files);
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) {
      const by = stop.signal && stop.signal !== 'SIGINT' ? `by ${stop.signal} ` : '';
      throw new Interrupted(`${by}(${e.message.replace(/^interrupted /, '')}); continue with: webgpu-dec train --resume ${out}`, stop.code);
    }
    if (e instanceof DeviceLostError) e.message += `; ${afterLoss(out, lastCheckpoint)}`;
    throw e;
  } finally {
    // The signal handlers stay until the process exits: a late second signal must not kill the
    // process while it reports how to resume.
    rep.close(); // the bar gives way to the error message, if any
    rt.destroy();
  }
}

/**
 * What a lost device leaves, for the end of its one-line message. Nothing after the loss touches
 * the checkpoint: it is written atomically, only from state read back from a live device (a
 * readback on a lost one fails), and removed only once the outputs are written, which needs the
 * device; a loss after that (in the t-SNE maps) finds the outputs written.
 */
function afterLoss(out: string, lastCheckpoint: string | null): string {
  if (existsSync(join(out, CHECKPOINT_FILE))) {
    const at = lastCheckpoint ? ` (${lastCheckpoint})` : '';
    return `the last checkpoint${at} is kept: continue with: webgpu-dec train --resume ${out} (--adapter N|NAME for another GPU)`;
  }
  if (existsSync(join(out, METRICS_FILE))) return `the run's outputs are written in ${out}; its t-SNE maps and report.html are not`;
  return `no checkpoint was written: start the run again`;
}

function printSummary(m: RunMetrics, out: string, print: (line: string) => void): void {
  const fmt = (x: RunMetrics['dec']) => (x ? `ACC ${x.acc.toFixed(3)}  NMI ${x.nmi.toFixed(3)}  ARI ${x.ari.toFixed(3)}` : 'no labels');
  print(`DEC          ${fmt(m.dec)}`);
  print(`AE + k-means ${fmt(m.ae_kmeans)}`);
  print(`raw k-means  ${m.raw_kmeans ? fmt(m.raw_kmeans) : 'skipped'}`);
  print(`(NMI: arithmetic normalisation)  ${m.dec_iterations} DEC iterations, stopped by ${m.stopped_by}, ${m.seconds.total}s; wrote ${out}/metrics.json, assignments.csv, model.safetensors, report.html`);
}
