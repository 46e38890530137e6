// `webgpu-dec experiment imbalance|clusters`: the paper's two experiments beyond the main table, as
// loops over the pipeline's phases (src/experiments/). Each finished run is written as it completes;
// rerunning the same command with the same --out skips what is done. Outputs: a JSON file, a
// Markdown table and a page with the plots (imbalance.* or clusters.*).
import { join } from 'node:path';
import { openDevice } from '../api/device.js';
import { sharedData } from '../run/job.js';
import { clustersExperiment, suggestK, writeClustersTables, type ClustersSettings } from '../experiments/clusters.js';
import { imbalanceExperiment, writeImbalanceTables, type ImbalanceSettings } from '../experiments/imbalance.js';
import type { ImbalanceMode } from '../experiments/sampling.js';
import { checkWritableDir, writeAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { clustersPage, imbalancePage } from '../report/experiments.js';
import { flagHelp, parseFlags, UsageError, type FlagSpec, type Flags } from './args.js';
import { Reporter } from './reporter.js';
import { overridesOf, SETTING_FLAGS, trainFlags } from './train.js';

// The training flags an experiment passes on to each of its runs: train's settings but those the
// experiment sets per run (k, seed) and the report's maps, which it does not draw.
const TRAINING = [...SETTING_FLAGS.filter((k) => !['k', 'seed', 'tsne-points'].includes(k)), 'no-augment'];
const common: FlagSpec = {
  data: { kind: 'string', help: 'mnist (the bundled 10,000 digits, default) or a file: .npy, .csv, .idx (.gz too)' },
  labels: { kind: 'string', help: 'labels for --data' },
  n: { kind: 'int', help: 'a stratified, seeded subset of this many points to start from' },
  ...Object.fromEntries(TRAINING.map((k) => [k, trainFlags[k]])),
  adapter: trainFlags.adapter,
};
const imbalanceFlags: FlagSpec = {
  ...common,
  rmin: { kind: 'string', help: 'minimum retention rates, comma-separated (default 0.1,0.3,0.5,0.7,0.9)' },
  mode: { kind: 'string', choices: ['paper', 'class0'], help: "paper (default): class c kept with r_min + (1 − r_min)·c/(C−1); class0: class 0 alone kept with r_min" },
  seeds: { kind: 'string', help: 'seeds, comma-separated (default 0); several give mean ± std' },
  out: { kind: 'string', help: 'the experiment folder (default experiment-imbalance)' },
};
const clustersFlags: FlagSpec = {
  ...common,
  k: { kind: 'string', help: 'the numbers of clusters: a range "3..20" (default) or a list "5,9,10"' },
  'val-fraction': { kind: 'number', help: 'share of each class held out for validation (default 0.2)' },
  seed: { kind: 'int', help: 'the split, the pretraining and every run (default 0)' },
  out: { kind: 'string', help: 'the experiment folder (default experiment-clusters)' },
};

export const experimentUsage = `usage: webgpu-dec experiment imbalance [flags]
       webgpu-dec experiment clusters [flags]

imbalance: the paper's imbalanced-data protocol; for each r_min and seed, an imbalanced subsample,
then raw k-means, AE + k-means and DEC on it. Writes imbalance.json, imbalance.md, imbalance.html.

${flagHelp(imbalanceFlags)}

clusters: a held-out validation split, one pretraining, then k-means + DEC for each k; the DEC loss
on the training and validation parts, G = L_train / L_val, NMI, and the suggested k (after which G
drops most sharply). Writes clusters.json, clusters.md, clusters.html.

${flagHelp(clustersFlags)}

On a software adapter each run of the default (quick) preset takes about as long as one
"webgpu-dec train"; --preset paper is sized for a GPU (the current kernels have not been
measured on one). Each finished run is saved in OUT/runs/; the same command with the same --out
skips what is done.`;

function list(name: string, text: string, integer: boolean): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(text.trim());
  const values = range ? Array.from({ length: Math.max(0, +range[2] - +range[1] + 1) }, (_, i) => +range[1] + i) : text.split(',').map((v) => Number(v.trim()));
  if (!values.length || values.some((v) => !Number.isFinite(v) || (integer && !Number.isInteger(v)))) {
    throw new UsageError(`--${name} must be ${integer ? 'integers' : 'numbers'} separated by commas${name === 'k' ? ' or a range like 3..20' : ''}; got "${text}"`);
  }
  return [...new Set(values)];
}

/** The data every run of the experiment starts from, and the training overrides. */
async function base(f: Flags) {
  const o = overridesOf(Object.fromEntries(Object.entries(f).filter(([k]) => TRAINING.includes(k))));
  const subset = (f.n as number | undefined) ?? null;
  const spec = { data: (f.data as string | undefined) ?? 'mnist', labels: (f.labels as string | undefined) ?? null, subset };
  return { o, ...(await sharedData(spec, o)) };
}

export async function experiment(args: string[]): Promise<number> {
  const [which, ...rest] = args;
  if (which !== 'imbalance' && which !== 'clusters') throw new UsageError(`experiment takes imbalance or clusters; got ${which === undefined ? 'nothing' : `"${which}"`}; see webgpu-dec experiment --help`);
  const f = parseFlags(rest, which === 'imbalance' ? imbalanceFlags : clustersFlags);
  const rep = new Reporter('experiment'); // a bar per phase on a terminal, plain lines otherwise
  const log = (line: string) => {
    rep.endPhase();
    rep.say(line);
  };
  const out = (f.out as string | undefined) ?? `experiment-${which}`;
  checkWritableDir(out);
  if (which === 'imbalance') {
    const rmins = list('rmin', (f.rmin as string | undefined) ?? '0.1,0.3,0.5,0.7,0.9', false);
    if (rmins.some((r) => !(r > 0 && r <= 1))) throw new UsageError(`--rmin values must be in (0, 1]; got ${f.rmin}`);
    const seeds = list('seeds', (f.seeds as string | undefined) ?? '0', true);
    const { o, ds, source, preprocess } = await base(f);
    if (!ds.labels) throw new InputError(`the imbalance experiment subsamples by class: pass --labels for ${source.data}`);
    const s: ImbalanceSettings = { rmins, mode: ((f.mode as string | undefined) ?? 'paper') as ImbalanceMode, seeds, overrides: o };
    const rt = await openDevice({ adapter: f.adapter as string | undefined });
    try {
      log(`imbalance: ${rmins.length} r_min × ${seeds.length} seed(s) on ${ds.name} (${ds.n} points), preset ${o.preset ?? 'quick'}, adapter ${rt.adapterName}`);
      const runs = await imbalanceExperiment(rt, ds, source, preprocess, s, out, rep.progress, log);
      writeImbalanceTables(out, runs, s);
      writeAtomic(out, 'imbalance.html', await imbalancePage(runs, s));
      log(`wrote ${join(out, 'imbalance.json')}, imbalance.md, imbalance.html`);
    } finally {
      rep.close();
      rt.destroy();
    }
    return 0;
  }
  const ks = list('k', (f.k as string | undefined) ?? '3..20', true);
  if (ks.some((k) => k < 2)) throw new UsageError(`--k values must be at least 2; got ${f.k}`);
  const valFraction = (f['val-fraction'] as number | undefined) ?? 0.2;
  if (!(valFraction > 0 && valFraction < 1)) throw new UsageError(`--val-fraction must be in (0, 1); got ${valFraction}`);
  const { o, ds, source, preprocess } = await base(f);
  const held = Math.round(valFraction * ds.n);
  if (Math.max(...ks) > Math.min(held, ds.n - held)) throw new InputError(`--k up to ${Math.max(...ks)} needs at least that many points in both parts; ${ds.n} points split ${ds.n - held} / ${held}`);
  const s: ClustersSettings = { ks, valFraction, seed: (f.seed as number | undefined) ?? 0, overrides: o };
  const rt = await openDevice({ adapter: f.adapter as string | undefined });
  try {
    log(`clusters: k = ${ks.join(', ')} on ${ds.name} (${ds.n} points), preset ${o.preset ?? 'quick'}, adapter ${rt.adapterName}`);
    const runs = await clustersExperiment(rt, ds, source, preprocess, s, out, rep.progress, log);
    writeClustersTables(out, runs, s);
    const pick = suggestK(runs);
    writeAtomic(out, 'clusters.html', await clustersPage(runs, s, pick));
    if (pick) log(`suggested k = ${pick.k}: ${pick.reason}`);
    log(`wrote ${join(out, 'clusters.json')}, clusters.md, clusters.html`);
  } finally {
    rep.close();
    rt.destroy();
  }
  return 0;
}
