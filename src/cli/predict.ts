// `webgpu-dec predict` and `webgpu-dec embed`: apply a trained model (model.safetensors) to data,
// with the preprocessing the model was trained with. predict writes index,cluster,confidence[,label]
// (index = the row of the input file) through the same assignment pass training ends with; embed
// writes the embeddings z = f_θ(x) as an .npy file.
import { basename, dirname, join } from 'node:path';
import { Runtime } from '../gpu/runtime.js';
import { loadData } from '../data/load.js';
import type { Dataset } from '../data/dataset.js';
import { assign, encodeAll, type AssignModel } from '../dec/assign.js';
import { upload } from '../dec/batches.js';
import { readModel, modelOnGpu, type LoadedModel } from '../dec/model-file.js';
import { assignmentsCsv, round } from '../dec/outputs.js';
import { checkWritableFile, writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { npyBytes } from '../io/npy.js';
import { scores } from '../metrics/clustering.js';
import type { ChunkedRows } from '../tensor/index.js';
import { flagHelp, parseFlags, UsageError, type FlagSpec, type Flags } from './args.js';

const common: FlagSpec = {
  model: { kind: 'string', help: 'a model.safetensors written by webgpu-dec train (required)' },
  data: { kind: 'string', help: 'mnist or a file: .npy, .csv, .idx (.gz too) with the model\'s number of columns (required)' },
  adapter: { kind: 'string', help: 'use the adapter whose name contains this' },
};
export const predictFlags: FlagSpec = {
  ...common,
  labels: { kind: 'string', help: 'labels for --data: ACC/NMI/ARI on stderr and in FILE.metrics.json' },
  out: { kind: 'string', help: 'the CSV to write: index,cluster,confidence[,label] (required)' },
};
export const embedFlags: FlagSpec = { ...common, out: { kind: 'string', help: 'the .npy file to write: float32 [n, d_z] (required)' } };

export const predictUsage = `usage: webgpu-dec predict --model FILE --data PATH [--labels PATH] --out FILE.csv\n\n${flagHelp(predictFlags)}`;
export const embedUsage = `usage: webgpu-dec embed --model FILE --data PATH --out z.npy\n\n${flagHelp(embedFlags)}`;

/** Flags, model, data and output checked before any GPU work; nothing is written on bad input. */
function prepare(f: Flags, command: string): { model: LoadedModel; ds: Dataset; out: string } {
  for (const name of ['model', 'data', 'out']) if (f[name] === undefined) throw new UsageError(`${command} needs --${name}; see webgpu-dec ${command} --help`);
  const out = f.out as string;
  checkWritableFile(out);
  const model = readModel(f.model as string);
  const ds = loadData(f.data as string, f.labels as string | undefined, model.meta.preprocess);
  if (ds.d !== model.meta.dims[0]) {
    throw new InputError(`${f.data}: ${ds.d} columns, but the model ${f.model} takes ${model.meta.dims[0]} inputs; pass data of the kind it was trained on`);
  }
  return { model, ds, out };
}

/** Opens the adapter, puts the model and the data on it, runs `fn`, and frees it all. */
async function withModelOnGpu<T>(f: Flags, model: LoadedModel, ds: Dataset, fn: (m: AssignModel, x: ChunkedRows) => Promise<T>): Promise<T> {
  const rt = await Runtime.create({ adapter: f.adapter as string | undefined });
  try {
    const { ae, mu } = modelOnGpu(rt, model, f.model as string);
    const x = upload(rt, ds, Math.max(model.meta.k, model.meta.dims[model.meta.dims.length - 1]));
    const out = await fn({ ae, mu: mu.buffer, k: model.meta.k, alpha: model.meta.alpha }, x);
    [x, ae, mu].forEach((t) => t.dispose());
    return out;
  } finally {
    rt.destroy();
  }
}

export async function predict(args: string[]): Promise<number> {
  const f = parseFlags(args, predictFlags);
  const { model, ds, out } = prepare(f, 'predict');
  const a = await withModelOnGpu(f, model, ds, (m, x) => assign(x.rt, m, x, { confidence: true }));
  writeFileAtomic(out, assignmentsCsv(undefined, a.hard, a.confidence!, ds.labels));
  const sizes = Array.from({ length: model.meta.k }, (_, j) => a.hard.filter((c) => c === j).length);
  process.stderr.write(`webgpu-dec: ${ds.n} points of ${ds.name} assigned to ${model.meta.k} clusters (sizes ${sizes.join(' ')}); wrote ${out}\n`);
  if (ds.labels) {
    const s = round(scores(ds.labels, a.hard))!;
    const metricsFile = join(dirname(out), `${basename(out).replace(/\.csv$/i, '')}.metrics.json`);
    const json = { ...s, n: ds.n, k: model.meta.k, data: f.data, model: f.model, nmi_normalisation: 'arithmetic mean of H(labels) and H(clusters)' };
    writeFileAtomic(metricsFile, JSON.stringify(json, null, 2) + '\n');
    process.stderr.write(`webgpu-dec: ACC ${s.acc.toFixed(3)}  NMI ${s.nmi.toFixed(3)}  ARI ${s.ari.toFixed(3)}; wrote ${metricsFile}\n`);
  }
  return 0;
}

export async function embed(args: string[]): Promise<number> {
  const f = parseFlags(args, embedFlags);
  const { model, ds, out } = prepare(f, 'embed');
  const dz = model.meta.dims[model.meta.dims.length - 1];
  const values = await withModelOnGpu(f, model, ds, async (m, x) => {
    const z = encodeAll(m.ae, x);
    const read = await z.read();
    z.dispose();
    return read;
  });
  writeFileAtomic(out, npyBytes(values, [ds.n, dz]));
  process.stderr.write(`webgpu-dec: embedded ${ds.n} points of ${ds.name} into ${dz} dimensions; wrote ${out}\n`);
  return 0;
}
