// `webgpu-dec tsne`: exact t-SNE (src/tsne) of a data file, or of its embedding under a trained
// model, on a seeded random subset: tsne.csv (index,x,y[,cluster][,label]), tsne.json (settings,
// KL, trustworthiness, time) and tsne.svg (the scatter plot), written to --out.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDevice } from '../api/device.js';
import { loadData } from '../data/load.js';
import { rowValues, stratifiedSubset, type Dataset } from '../data/dataset.js';
import { readModel } from '../model/model-file.js';
import { checkModelInput, embedRows, predictRows } from '../model/trained-model.js';
import { checkWritableDir, writeAtomic } from '../io/atomic.js';
import { packageVersion } from '../io/version.js';
import { tsneChart } from '../report/charts.js';
import { renderSvg } from '../report/render.js';
import { defaultTsnePoints, maxTsnePoints, tsne, type TsneResult } from '../tsne/tsne.js';
import { fmtTime } from '../run/progress.js';
import { flagHelp, parseFlags, UsageError, type FlagSpec } from './args.js';
import { GPU_MEMORY_FLAG, readOptionsOf } from './options.js';
import { Reporter } from './reporter.js';

export const tsneFlags: FlagSpec = {
  data: { kind: 'string', help: 'mnist or a file: .npy, .csv, .idx (.gz too) (required)' },
  labels: { kind: 'string', help: 'labels for --data: a label column, and the plot coloured by label' },
  model: { kind: 'string', help: 'a model.safetensors: map its embedding z = f(x) instead of x, with its clusters' },
  n: { kind: 'int', help: 'points: a seeded random subset (stratified with labels); default 2,000 on a software adapter, 10,000 on a GPU' },
  perplexity: { kind: 'number', help: 'effective neighbours per point (default 30)' },
  iterations: { kind: 'int', help: 'gradient steps (default 1000; the first 250 with early exaggeration 12)' },
  init: { kind: 'string', choices: ['pca', 'random'], help: 'initial map: pca (default) or random N(0, 1e-4²)' },
  seed: { kind: 'int', help: 'the subset and a random initialisation (default 0)' },
  out: { kind: 'string', help: 'the folder to write tsne.csv, tsne.json and tsne.svg into (required)' },
  json: { kind: 'flag', help: 'JSON-lines events on stdout: start, progress, done (see webgpu-dec help)' },
  adapter: { kind: 'string', help: 'use the adapter whose name contains this' },
  'gpu-memory': GPU_MEMORY_FLAG,
};

export const tsneUsage = `usage: webgpu-dec tsne --data PATH [--labels PATH] [--model FILE] [--n N] [--perplexity P] [--iterations I] --out DIR [--json]\n\n${flagHelp(tsneFlags)}`;

/** tsne.csv: one row per point of the subset, in input-file order. */
export function tsneCsv(index: ArrayLike<number>, y: Float32Array, cluster: Uint32Array | null, labels: Int32Array | null): string {
  const order = Array.from(index, (_, i) => i).sort((a, b) => index[a] - index[b]);
  const head = ['index', 'x', 'y', ...(cluster ? ['cluster'] : []), ...(labels ? ['label'] : [])];
  const rows = [head.join(',')];
  for (const i of order) {
    const cells = [String(index[i]), y[2 * i].toPrecision(6), y[2 * i + 1].toPrecision(6)];
    if (cluster) cells.push(String(cluster[i]));
    if (labels) cells.push(String(labels[i]));
    rows.push(cells.join(','));
  }
  return rows.join('\n') + '\n';
}

export async function tsneCommand(args: string[]): Promise<number> {
  const f = parseFlags(args, tsneFlags);
  for (const name of ['data', 'out']) if (f[name] === undefined) throw new UsageError(`tsne needs --${name}; see webgpu-dec tsne --help`);
  const out = f.out as string;
  checkWritableDir(out);
  if (f.n !== undefined && (f.n as number) < 3) throw new UsageError(`--n must be at least 3; got ${f.n}`);
  if (f.iterations !== undefined && (f.iterations as number) < 1) throw new UsageError(`--iterations must be at least 1; got ${f.iterations}`);
  if (f.perplexity !== undefined && !((f.perplexity as number) > 0)) throw new UsageError(`--perplexity must be positive; got ${f.perplexity}`);
  const model = f.model ? readModel(f.model as string) : null;
  const all = await loadData(f.data as string, f.labels as string | undefined, model?.meta.preprocess, readOptionsOf(f, f.data as string));
  if (model) checkModelInput(model, all, f.data as string, f.model as string);
  const seed = (f.seed as number | undefined) ?? 0;
  const checkPerplexity = (m: number) => {
    const p = (f.perplexity as number | undefined) ?? 30;
    if (p >= m - 1) throw new UsageError(`--perplexity must be in (0, n − 1) = (0, ${m - 1}); got ${p}`);
  };
  if (f.n !== undefined) checkPerplexity(Math.min(f.n as number, all.n)); // before any GPU work

  const rt = await openDevice({ adapter: f.adapter as string | undefined });
  const rep = new Reporter('tsne', f.json === true);
  try {
    const wanted = (f.n as number | undefined) ?? defaultTsnePoints(rt);
    const m = Math.min(wanted, all.n);
    checkPerplexity(m);
    if (m > maxTsnePoints(rt)) throw new UsageError(`--n ${m} exceeds what this adapter holds in one binding (at most ${maxTsnePoints(rt)} points); pass a smaller --n`);
    const ds: Dataset = stratifiedSubset(all, m, seed);
    let x = await rowValues(ds, Uint32Array.from({ length: m }, (_, i) => i));
    let d = ds.d;
    let cluster: Uint32Array | null = null;
    if (model) {
      const rows = { ...ds, x }; // the subset's values, read above: the model takes them from memory
      x = await embedRows(rt, model, rows, f.model as string);
      d = model.meta.dims[model.meta.dims.length - 1];
      cluster = (await predictRows(rt, model, rows, f.model as string)).hard;
    }
    const what = model ? `the ${d}-dimensional embedding of ` : '';
    rep.say(`t-SNE of ${what}${m} of ${all.n} points of ${all.name} (${m < all.n ? 'a seeded random subset; --n to change' : 'all'}), on ${rt.adapterName}`);
    rep.start({ data: f.data, model: f.model ?? null, n: m, adapter: rt.adapterName });
    const r: TsneResult = await tsne(rt, x, m, d, {
      perplexity: f.perplexity as number | undefined,
      iterations: f.iterations as number | undefined,
      init: f.init as 'pca' | 'random' | undefined,
      seed,
      onProgress: (e) => rep.tsneProgress('t-SNE', e),
    });
    rep.endPhase();
    const index = ds.index ?? Uint32Array.from({ length: m }, (_, i) => i);
    mkdirSync(out, { recursive: true });
    const csv = tsneCsv(index, r.y, cluster, ds.labels);
    writeAtomic(out, 'tsne.csv', csv);
    const info = {
      data: f.data,
      model: f.model ?? null,
      n: m,
      rows: all.n,
      d,
      perplexity: (f.perplexity as number | undefined) ?? 30,
      iterations: (f.iterations as number | undefined) ?? 1000,
      init: (f.init as string | undefined) ?? 'pca',
      learning_rate: r.learningRate,
      seed,
      kl: +r.kl.toFixed(5),
      trustworthiness_5: r.trustworthiness === null ? null : +r.trustworthiness.toFixed(5),
      seconds: +r.seconds.toFixed(2),
      kl_history: r.klHistory.map((h) => ({ iteration: h.iteration, kl: +h.kl.toFixed(5) })),
      adapter: rt.adapterName,
      version: packageVersion(),
    };
    writeAtomic(out, 'tsne.json', JSON.stringify(info, null, 2) + '\n');
    const rows = {
      index: Int32Array.from(index),
      stage: new Array<string>(m).fill('map'),
      x: Float32Array.from({ length: m }, (_, i) => r.y[2 * i]),
      y: Float32Array.from({ length: m }, (_, i) => r.y[2 * i + 1]),
      cluster: cluster ?? new Uint32Array(m),
      label: ds.labels,
    };
    const by = ds.labels ? 'label' : 'cluster';
    const title = `t-SNE of ${what}${m} points of ${all.name}${ds.labels || cluster ? `, coloured by ${by}` : ''}`;
    writeAtomic(out, 'tsne.svg', await renderSvg(tsneChart(rows, 'map', by, undefined, title, 560).spec));
    const t = r.trustworthiness === null ? '' : `  T(5) ${r.trustworthiness.toFixed(4)}`;
    rep.say(`KL ${r.kl.toFixed(4)}${t}  in ${fmtTime(r.seconds)}; wrote ${join(out, 'tsne.csv')}, tsne.json, tsne.svg`);
    rep.done({ n: m, kl: info.kl, trustworthiness_5: info.trustworthiness_5, seconds: info.seconds }, ['tsne.csv', 'tsne.json', 'tsne.svg'].map((name) => join(out, name)));
    return 0;
  } finally {
    rep.close();
    rt.destroy();
  }
}
