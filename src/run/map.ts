// A t-SNE map as a job of its own, behind both doors: `webgpu-dec tsne` maps a file's rows (or a
// model's embedding of them, with its clusters) into a folder (tsne.csv, tsne.json, tsne.svg); the
// library's tsne maps an array.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from '../gpu/runtime.js';
import { rowValues, stratifiedSubset, type Dataset } from '../data/dataset.js';
import { loadData, type ReadOptions } from '../data/load.js';
import { checkWritableDir, writeAtomic } from '../io/atomic.js';
import { InputError, OptionError } from '../io/errors.js';
import { packageVersion } from '../io/version.js';
import { readModel, type LoadedModel } from '../model/model-file.js';
import { checkModelInput, embedRows, predictRows } from '../model/trained-model.js';
import { tsneChart } from '../report/charts.js';
import { renderSvg } from '../report/render.js';
import { MAX_MAP_POINTS, maxTsnePoints, methodFor, tsne, type TsneMethod, type TsneOptions, type TsneProgress, type TsneResult } from '../tsne/tsne.js';

/** t-SNE of the rows of `x` ([n, d], row-major): the shape checked now, the map run on the device given. */
export function mapArray(x: Float32Array, d: number, n: number | undefined, settings: TsneOptions): (rt: Runtime) => Promise<TsneResult> {
  const rows = n ?? x.length / d;
  if (!Number.isInteger(d) || d < 1 || !Number.isInteger(rows) || rows * d !== x.length) {
    throw new InputError(`tsne: ${x.length} values are not ${n ?? 'n'} points of d = ${d}; pass n · d values, one row per point`);
  }
  return (rt) => tsne(rt, x, rows, d, settings);
}

/** A map of a data file: what to map, how, and where to. */
export interface MapSpec {
  data: string;
  labels?: string;
  /** Map this model's embedding z = f(x) instead of x, with its clusters. */
  model?: string;
  /** Points: a seeded random subset (stratified with labels); default every point up to MAX_MAP_POINTS. */
  n?: number;
  /** exact, fft, or auto (default: by n). */
  method?: TsneMethod;
  perplexity?: number;
  iterations?: number;
  init?: 'pca' | 'random';
  seed: number;
  out: string;
  read?: ReadOptions;
}

/** A map ready to run: the data read and checked against the model; nothing on the GPU yet. */
export interface PreparedMap {
  spec: MapSpec;
  model: LoadedModel | null;
  all: Dataset;
}

/** The perplexity must be below m − 1 (scikit-learn's rule). */
function checkPerplexity(spec: MapSpec, m: number): void {
  const p = spec.perplexity ?? 30;
  if (p >= m - 1) throw new OptionError((name) => `${name('perplexity')} must be in (0, n − 1) = (0, ${m - 1}); got ${p}`);
}

/** Checks the folder, reads the model and the data; a bad perplexity for --n is refused here, before any GPU work. */
export async function prepareMap(spec: MapSpec): Promise<PreparedMap> {
  checkWritableDir(spec.out);
  const model = spec.model ? readModel(spec.model) : null;
  const all = await loadData(spec.data, spec.labels, model?.meta.preprocess, spec.read ?? {});
  if (model) checkModelInput(model, all, spec.data, spec.model!);
  if (spec.n !== undefined) checkPerplexity(spec, Math.min(spec.n, all.n));
  return { spec, model, all };
}

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

/** What the map's door hears. */
export interface MapHooks {
  /** The map is about to run: what it maps (a sentence), and the points. */
  start: (what: string, m: number) => void;
  progress: (e: TsneProgress) => void;
  /** The iterations are over; the files are next. */
  mapped?: () => void;
}

/** What a map's tsne.json holds. */
export interface MapInfo {
  data: string;
  model: string | null;
  n: number;
  rows: number;
  d: number;
  /** exact or fft. */
  method: string;
  perplexity: number;
  iterations: number;
  init: string;
  learning_rate: number;
  seed: number;
  kl: number;
  trustworthiness_5: number | null;
  /** Points T(5) was measured on: n, or a seeded sample of 5,000. */
  trustworthiness_points: number;
  seconds: number;
  /** The process's peak resident memory when the map was done (MB, 10⁶ bytes): the data, the model, the map. */
  peak_rss_mb: number;
  kl_history: { iteration: number; kl: number }[];
  adapter: string;
  version: string;
}

/** Runs the map on `rt` and writes tsne.csv, tsne.json and tsne.svg; returns tsne.json's values and the files. */
export async function runMap(rt: Runtime, pm: PreparedMap, hooks: MapHooks): Promise<{ info: MapInfo; result: TsneResult; files: string[] }> {
  const { spec, model, all } = pm;
  const m = Math.min(spec.n ?? MAX_MAP_POINTS, all.n);
  checkPerplexity(spec, m);
  const method = methodFor(spec.method, m);
  const most = maxTsnePoints(rt, method);
  if (m > most) throw new OptionError((name) => `exact t-SNE of ${m} points exceeds what this adapter holds in one binding (at most ${most} points); pass ${name('method')} fft or a smaller ${name('n')}`);
  const ds: Dataset = stratifiedSubset(all, m, spec.seed);
  let x = await rowValues(ds, Uint32Array.from({ length: m }, (_, i) => i));
  let d = ds.d;
  let cluster: Uint32Array | null = null;
  if (model) {
    const rows = { ...ds, x }; // the subset's values, read above: the model takes them from memory
    x = await embedRows(rt, model, rows, spec.model);
    d = model.meta.dims[model.meta.dims.length - 1];
    cluster = (await predictRows(rt, model, rows, spec.model)).hard;
  }
  const what = model ? `the ${d}-dimensional embedding of ` : '';
  hooks.start(`t-SNE of ${what}${m} of ${all.n} points of ${all.name} (${m < all.n ? 'a seeded random subset; --n to change' : 'all'}), on ${rt.adapterName}`, m);
  const r = await tsne(rt, x, m, d, { method, perplexity: spec.perplexity, iterations: spec.iterations, init: spec.init, seed: spec.seed, onProgress: hooks.progress });
  hooks.mapped?.();
  const index = ds.index ?? Uint32Array.from({ length: m }, (_, i) => i);
  const out = spec.out;
  mkdirSync(out, { recursive: true });
  writeAtomic(out, 'tsne.csv', tsneCsv(index, r.y, cluster, ds.labels));
  const info: MapInfo = {
    data: spec.data,
    model: spec.model ?? null,
    n: m,
    rows: all.n,
    d,
    method: r.method,
    perplexity: spec.perplexity ?? 30,
    iterations: spec.iterations ?? 1000,
    init: spec.init ?? 'pca',
    learning_rate: r.learningRate,
    seed: spec.seed,
    kl: +r.kl.toFixed(5),
    trustworthiness_5: r.trustworthiness === null ? null : +r.trustworthiness.toFixed(5),
    trustworthiness_points: r.trustworthinessPoints,
    seconds: +r.seconds.toFixed(2),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1000),
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
  return { info, result: r, files: ['tsne.csv', 'tsne.json', 'tsne.svg'].map((name) => join(out, name)) };
}
