// `webgpu-dec predict` and `webgpu-dec embed`: apply a trained model (model.safetensors) to data,
// with the preprocessing the model was trained with. predict writes index,cluster,confidence[,label]
// (index = the row of the input file) through the same assignment pass training ends with; embed
// writes the embeddings z = f_θ(x) as an .npy file.
import { basename, dirname, join } from 'node:path';
import type { Runtime } from '../gpu/runtime.js';
import { openDevice } from '../api/device.js';
import { loadData } from '../data/load.js';
import type { Dataset } from '../data/dataset.js';
import { readModel, type LoadedModel } from '../model/model-file.js';
import { assignmentsCsv, round } from '../run/outputs.js';
import { checkModelInput, embedRows, predictRows } from '../model/trained-model.js';
import { checkWritableFile, writeFileAtomic } from '../io/atomic.js';
import { npyBytes } from '../data/formats/npy.js';
import { scores } from '../metrics/clustering.js';
import { flagHelp, parseFlags, UsageError, type FlagSpec, type Flags } from './args.js';
import { dataMode, GPU_MEMORY_FLAG, readOptionsOf } from './options.js';
import { Reporter } from './reporter.js';

const common: FlagSpec = {
  model: { kind: 'string', help: 'a model.safetensors written by webgpu-dec train (required)' },
  data: { kind: 'string', help: 'mnist or a file: .npy, .csv, .idx (.gz too) with the model\'s number of columns (required)' },
  json: { kind: 'flag', help: 'JSON-lines events on stdout: start, done (see webgpu-dec help)' },
  adapter: { kind: 'string', help: 'use the adapter whose name contains this' },
  'gpu-memory': GPU_MEMORY_FLAG,
};
export const predictFlags: FlagSpec = {
  ...common,
  labels: { kind: 'string', help: 'labels for --data: ACC/NMI/ARI on stderr and in FILE.metrics.json' },
  out: { kind: 'string', help: 'the CSV to write: index,cluster,confidence[,label] (required)' },
};
export const embedFlags: FlagSpec = { ...common, out: { kind: 'string', help: 'the .npy file to write: float32 [n, d_z] (required)' } };

export const predictUsage = `usage: webgpu-dec predict --model FILE --data PATH [--labels PATH] --out FILE.csv [--json]\n\n${flagHelp(predictFlags)}`;
export const embedUsage = `usage: webgpu-dec embed --model FILE --data PATH --out z.npy [--json]\n\n${flagHelp(embedFlags)}`;

/** Flags, model, data and output checked before any GPU work; nothing is written on bad input. */
async function prepare(f: Flags, command: string): Promise<{ model: LoadedModel; ds: Dataset; out: string }> {
  for (const name of ['model', 'data', 'out']) if (f[name] === undefined) throw new UsageError(`${command} needs --${name}; see webgpu-dec ${command} --help`);
  const out = f.out as string;
  checkWritableFile(out);
  const model = readModel(f.model as string);
  const ds = await loadData(f.data as string, f.labels as string | undefined, model.meta.preprocess, readOptionsOf(f, f.data as string));
  checkModelInput(model, ds, f.data as string, f.model as string);
  return { model, ds, out };
}

/** Opens the adapter, runs `fn` on it, and closes it. */
async function onAdapter<T>(f: Flags, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openDevice({ adapter: f.adapter as string | undefined });
  try {
    return await fn(rt);
  } finally {
    rt.destroy();
  }
}

export async function predict(args: string[]): Promise<number> {
  const f = parseFlags(args, predictFlags);
  const { model, ds, out } = await prepare(f, 'predict');
  const rep = new Reporter('predict', f.json === true);
  rep.start({ model: f.model, data: f.data, n: ds.n, k: model.meta.k });
  if (ds.stream) rep.say(`data: ${dataMode(ds)}`);
  const a = await onAdapter(f, (rt) => predictRows(rt, model, ds, f.model as string));
  writeFileAtomic(out, assignmentsCsv(undefined, a.hard, a.confidence, ds.labels));
  const sizes = Array.from({ length: model.meta.k }, (_, j) => a.hard.filter((c) => c === j).length);
  rep.say(`${ds.n} points of ${ds.name} assigned to ${model.meta.k} clusters (sizes ${sizes.join(' ')}); wrote ${out}`);
  const files = [out];
  let s: ReturnType<typeof round> = null;
  if (ds.labels) {
    s = round(scores(ds.labels, a.hard))!;
    const metricsFile = join(dirname(out), `${basename(out).replace(/\.csv$/i, '')}.metrics.json`);
    const json = { ...s, n: ds.n, k: model.meta.k, data: f.data, model: f.model, nmi_normalisation: 'arithmetic mean of H(labels) and H(clusters)' };
    writeFileAtomic(metricsFile, JSON.stringify(json, null, 2) + '\n');
    files.push(metricsFile);
    rep.say(`ACC ${s.acc.toFixed(3)}  NMI ${s.nmi.toFixed(3)}  ARI ${s.ari.toFixed(3)}; wrote ${metricsFile}`);
  }
  rep.done({ n: ds.n, k: model.meta.k, sizes, acc: s?.acc ?? null, nmi: s?.nmi ?? null, ari: s?.ari ?? null }, files);
  return 0;
}

export async function embed(args: string[]): Promise<number> {
  const f = parseFlags(args, embedFlags);
  const { model, ds, out } = await prepare(f, 'embed');
  const rep = new Reporter('embed', f.json === true);
  rep.start({ model: f.model, data: f.data, n: ds.n, k: model.meta.k });
  if (ds.stream) rep.say(`data: ${dataMode(ds)}`);
  const dz = model.meta.dims[model.meta.dims.length - 1];
  const values = await onAdapter(f, (rt) => embedRows(rt, model, ds, f.model as string));
  writeFileAtomic(out, npyBytes(values, [ds.n, dz]));
  rep.say(`embedded ${ds.n} points of ${ds.name} into ${dz} dimensions; wrote ${out}`);
  rep.done({ n: ds.n, dims: dz }, [out]);
  return 0;
}
