// `webgpu-dec train`: DEC on the bundled digits or on the user's own data; writes metrics.json,
// assignments.csv and model.json to --out.
import { Runtime } from '../gpu/runtime.js';
import { stratifiedSubset, shuffle, type Dataset } from '../data/dataset.js';
import { loadData } from '../data/load.js';
import { runDec, type RunResult } from '../dec/pipeline.js';
import type { Scores } from '../metrics/clustering.js';
import { presets, type Preset, type PresetName } from '../dec/presets.js';
import { stderrProgress } from '../dec/progress.js';
import { modelFile } from '../dec/model-file.js';
import { flagHelp, parseFlags, UsageError, type FlagSpec, type Flags } from './args.js';
import { writeAtomic } from '../io/atomic.js';

export const trainFlags: FlagSpec = {
  data: { kind: 'string', help: 'mnist (the bundled 10,000 digits, default) or a file: .npy, .csv, .idx/.idx3-ubyte (.gz too)' },
  labels: { kind: 'string', help: 'labels for --data (.npy, .csv, .idx1-ubyte): enables ACC/NMI/ARI' },
  n: { kind: 'int', help: 'a stratified, seeded subset of this many points' },
  k: { kind: 'int', help: 'number of clusters (default 10)' },
  preset: { kind: 'string', help: 'quick (default) | paper | endtoend', choices: ['quick', 'paper', 'endtoend'] },
  seed: { kind: 'int', help: 'all randomness flows from it (default 0)' },
  out: { kind: 'string', help: 'output folder (default dec-out)' },
  alpha: { kind: 'number', help: "Student's t degrees of freedom (default 1)" },
  'update-interval': { kind: 'int', help: 'DEC iterations between target updates (default 140)' },
  tol: { kind: 'number', help: 'stop when fewer than this fraction of points change cluster (default 0.001)' },
  'max-iter': { kind: 'int', help: 'DEC iterations at most (preset default)' },
  'kmeans-restarts': { kind: 'int', help: 'k-means restarts on the embedding, best inertia kept (default 20)' },
  'raw-kmeans-restarts': { kind: 'int', help: 'restarts of the raw-input k-means baseline (0 skips it)' },
  epochs: { kind: 'int', help: 'pretraining epochs (endtoend recipes)' },
  batch: { kind: 'int', help: 'minibatch size of pretraining and DEC (default 256)' },
  lr: { kind: 'number', help: 'pretraining learning rate (preset default)' },
  dims: { kind: 'string', help: 'encoder widths after the input, e.g. 500,500,2000,10 (preset default)' },
  'lr-step': { kind: 'int', help: 'divide the pretraining learning rate by 10 every this many iterations' },
  adapter: { kind: 'string', help: 'use the adapter whose name contains this' },
};

export const trainUsage = `usage: webgpu-dec train [flags]\n\n${flagHelp(trainFlags)}`;

function positive(name: string, v: number | undefined, min = 1): void {
  if (v !== undefined && v < min) throw new UsageError(`--${name} must be at least ${min}; got ${v}`);
}

/** Range checks of the numeric flags: one line each. */
function checkFlags(f: Flags): void {
  for (const name of ['n', 'k', 'update-interval', 'max-iter', 'kmeans-restarts', 'epochs', 'lr-step', 'batch']) positive(name, f[name] as number | undefined);
  positive('raw-kmeans-restarts', f['raw-kmeans-restarts'] as number | undefined, 0);
  if (f.lr !== undefined && !((f.lr as number) > 0)) throw new UsageError(`--lr must be positive; got ${f.lr}`);
  if (f.alpha !== undefined && !((f.alpha as number) > 0)) throw new UsageError(`--alpha must be positive; got ${f.alpha}`);
  if (f.tol !== undefined && !((f.tol as number) >= 0 && (f.tol as number) < 1)) throw new UsageError(`--tol must be in [0, 1); got ${f.tol}`);
}

/** The chosen preset with the pretraining flags (--epochs, --lr, --lr-step, --batch, --dims) applied. */
function presetFromFlags(f: Flags): Preset {
  const { dims, ...data } = presets[((f.preset as string | undefined) ?? 'quick') as PresetName];
  const preset: Preset = { ...structuredClone(data), dims };
  if (f.epochs !== undefined) {
    if (preset.pretrain.recipe !== 'endtoend') throw new UsageError('--epochs applies to the quick and endtoend presets; the paper preset counts iterations');
    preset.pretrain.cfg.epochs = f.epochs as number;
  }
  if (f['lr-step'] !== undefined) preset.pretrain.cfg.optim.lrStep = f['lr-step'] as number;
  if (f.lr !== undefined) preset.pretrain.cfg.optim.lr = f.lr as number;
  if (f.batch !== undefined) {
    preset.pretrain.cfg.batch = f.batch as number;
    preset.dec.batch = f.batch as number;
  }
  if (f.dims !== undefined) {
    const widths = String(f.dims).split(',').map(Number);
    if (!widths.length || widths.some((w) => !Number.isInteger(w) || w < 1)) throw new UsageError(`--dims must be positive integers separated by commas, e.g. 500,500,2000,10; got "${f.dims}"`);
    preset.dims = (d: number) => [d, ...widths];
  }
  return preset;
}

export async function train(args: string[]): Promise<number> {
  const f = parseFlags(args, trainFlags);
  checkFlags(f);
  const seed = (f.seed as number | undefined) ?? 0;
  const k = (f.k as number | undefined) ?? 10;
  const out = (f.out as string | undefined) ?? 'dec-out';
  const preset = presetFromFlags(f);

  let ds: Dataset = loadData((f.data as string | undefined) ?? 'mnist', f.labels as string | undefined);
  if (k > ds.n) throw new UsageError(`--k ${k} is more clusters than the ${ds.n} points`);
  ds = f.n !== undefined ? stratifiedSubset(ds, f.n as number, seed) : shuffle(ds, seed);

  const rt = await Runtime.create({ adapter: f.adapter as string | undefined });
  try {
    process.stderr.write(`webgpu-dec: ${ds.name}: ${ds.n} points × ${ds.d}, k = ${k}, preset ${preset.name}, seed ${seed}, adapter ${rt.adapterName}\n`);
    const dec = {
      ...preset.dec,
      k,
      alpha: (f.alpha as number | undefined) ?? preset.dec.alpha,
      updateInterval: (f['update-interval'] as number | undefined) ?? preset.dec.updateInterval,
      tol: (f.tol as number | undefined) ?? preset.dec.tol,
      maxIter: (f['max-iter'] as number | undefined) ?? preset.dec.maxIter,
    };
    const r = await runDec(rt, ds, {
      preset,
      k,
      seed,
      dec,
      kmeansRestarts: (f['kmeans-restarts'] as number | undefined) ?? preset.kmeansRestarts,
      rawKmeansRestarts: (f['raw-kmeans-restarts'] as number | undefined) ?? preset.rawKmeansRestarts,
      progress: stderrProgress,
    });
    const metrics = await writeRun(out, ds, r, { seed, preset: preset.name, adapter: rt.adapterName, k, alpha: dec.alpha });
    r.ae.dispose();
    printSummary(metrics, out);
    return 0;
  } finally {
    rt.destroy();
  }
}

/** metrics.json, assignments.csv and model.json, each written to a temporary name and renamed. */
async function writeRun(out: string, ds: Dataset, r: RunResult, meta: { seed: number; preset: string; adapter: string; k: number; alpha: number }) {
  const round = (x: Scores | null) => x && { acc: +x.acc.toFixed(4), nmi: +x.nmi.toFixed(4), ari: +x.ari.toFixed(4) };
  const sec = (v: number) => +v.toFixed(1);
  const metrics = {
    dec: round(r.dec),
    ae_kmeans: round(r.aeKmeans),
    raw_kmeans: round(r.rawKmeans),
    seconds: { pretrain: sec(r.seconds.pretrain), kmeans: sec(r.seconds.kmeans), dec: sec(r.seconds.dec), raw_kmeans: sec(r.seconds.rawKmeans), total: sec(r.seconds.total) },
    dec_iterations: r.decIterations,
    stopped_by: r.stoppedBy,
    seed: meta.seed,
    preset: meta.preset,
    adapter: meta.adapter,
    data: { name: ds.name, n: ds.n, d: ds.d, k: meta.k },
    nmi_normalisation: 'arithmetic mean of H(labels) and H(clusters)',
  };
  writeAtomic(out, 'metrics.json', JSON.stringify(metrics, null, 2) + '\n');
  const rows = ['index,cluster,confidence,label'];
  for (let i = 0; i < ds.n; i++) rows.push(`${i},${r.labels[i]},${r.confidence[i].toFixed(4)},${ds.labels ? ds.labels[i] : ''}`);
  writeAtomic(out, 'assignments.csv', rows.join('\n') + '\n');
  writeAtomic(out, 'model.json', JSON.stringify(await modelFile(r.ae, r.centers, meta.k, meta.alpha)) + '\n');
  return metrics;
}

type Metrics = Awaited<ReturnType<typeof writeRun>>;

function printSummary(m: Metrics, out: string): void {
  const fmt = (x: Metrics['dec']) => (x ? `ACC ${x.acc.toFixed(3)}  NMI ${x.nmi.toFixed(3)}  ARI ${x.ari.toFixed(3)}` : 'no labels');
  console.log(`DEC          ${fmt(m.dec)}`);
  console.log(`AE + k-means ${fmt(m.ae_kmeans)}`);
  console.log(`raw k-means  ${m.raw_kmeans ? fmt(m.raw_kmeans) : 'skipped'}`);
  console.log(`(NMI: arithmetic normalisation)  ${m.dec_iterations} DEC iterations, stopped by ${m.stopped_by}, ${m.seconds.total}s; wrote ${out}/metrics.json, assignments.csv, model.json`);
}
