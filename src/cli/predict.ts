// `webgpu-dec predict` and `webgpu-dec embed`: apply a trained model (model.safetensors) to data,
// with the preprocessing the model was trained with. predict writes index,cluster,confidence[,label]
// (index = the row of the input file) through the same assignment pass training ends with; embed
// writes the embeddings z = f_θ(x) as an .npy file. --rows / --shard apply it to a slice of the file
// (one task of a Slurm job array or a Kubernetes Indexed Job): predict's index is then the row in
// the file, embed's .npy holds the slice's rows in order.
import { basename, dirname, join } from 'node:path';
import type { Runtime } from '../gpu/runtime.js';
import { openDevice } from '../api/device.js';
import { checkWritableFile } from '../io/atomic.js';
import { applicationOfFiles, embedApplication, predictApplication, rowSelectionOf, writeEmbedding, writePrediction, type Application } from '../run/apply.js';
import { dataMode } from '../run/job.js';
import { round } from '../run/outputs.js';
import { ADAPTER_HELP, flagHelp, parseFlags, UsageError, type FlagSpec, type Flags } from './args.js';
import { GPU_MEMORY_FLAG, readOptionsOf } from './options.js';
import { Reporter } from './reporter.js';

const common: FlagSpec = {
  model: { kind: 'string', help: 'a model.safetensors written by webgpu-dec train (required)' },
  data: { kind: 'string', help: 'mnist or a file: .npy, .csv, .idx (.gz too) with the model\'s number of columns (required)' },
  json: { kind: 'flag', help: 'JSON-lines events on stdout: start, done (see webgpu-dec help)' },
  adapter: { kind: 'string', help: ADAPTER_HELP },
  'gpu-memory': GPU_MEMORY_FLAG,
  rows: { kind: 'string', help: 'A:B: only rows A to B-1 of --data (counting from 0); the other rows are not read' },
  shard: { kind: 'string', help: 'i/n: only the i-th of n nearly equal, contiguous slices of --data (i from 0); auto/n: i from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX' },
};
export const predictFlags: FlagSpec = {
  ...common,
  labels: { kind: 'string', help: 'labels for --data: ACC/NMI/ARI on stderr and in FILE.metrics.json' },
  out: { kind: 'string', help: 'the CSV to write: index,cluster,confidence[,label], index = the row in --data (required)' },
};
export const embedFlags: FlagSpec = { ...common, out: { kind: 'string', help: "the .npy file to write: float32 [n, d_z], the rows in --data's order (required)" } };

export const predictUsage = `usage: webgpu-dec predict --model FILE --data PATH [--labels PATH] --out FILE.csv [--rows A:B | --shard i/n] [--json]\n\n${flagHelp(predictFlags)}`;
export const embedUsage = `usage: webgpu-dec embed --model FILE --data PATH --out z.npy [--rows A:B | --shard i/n] [--json]\n\n${flagHelp(embedFlags)}`;

/** Flags, model, data and output checked before any GPU work; nothing is written on bad input. */
async function prepare(f: Flags, command: string): Promise<Application & { out: string }> {
  for (const name of ['model', 'data', 'out']) if (f[name] === undefined) throw new UsageError(`${command} needs --${name}; see webgpu-dec ${command} --help`);
  const out = f.out as string;
  const rows = rowSelectionOf(f.rows as string | undefined, f.shard as string | undefined);
  checkWritableFile(out);
  const a = await applicationOfFiles(f.model as string, f.data as string, f.labels as string | undefined, { ...readOptionsOf(f, f.data as string), rows });
  return { ...a, out };
}

/** " (rows A to B-1)" for a slice: what a user joining shards checks. */
const rowsOf = (a: Application) => (a.rows ? ` (rows ${a.rows[0]} to ${a.rows[1] - 1})` : '');

/** `rows: [A, B]` in the JSON events of a slice (absent for the whole file, whose events stay as they were). */
const sliced = (a: Application) => (a.rows ? { rows: a.rows } : {});

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
  const { out, ...a } = await prepare(f, 'predict');
  const { model, ds } = a;
  const rep = new Reporter('predict', f.json === true);
  rep.start({ model: f.model, data: f.data, n: ds.n, k: model.meta.k, ...sliced(a) });
  if (ds.stream) rep.say(`data: ${dataMode(ds)}`);
  const p = await onAdapter(f, (rt) => predictApplication(rt, a));
  const metricsFile = join(dirname(out), `${basename(out).replace(/\.csv$/i, '')}.metrics.json`);
  const files = writePrediction(out, a, p, { data: f.data as string, model: f.model as string }, metricsFile);
  rep.say(`${ds.n} points of ${ds.name}${rowsOf(a)} assigned to ${model.meta.k} clusters (sizes ${p.sizes.join(' ')}); wrote ${out}`);
  const s = round(p.scores);
  if (s) rep.say(`ACC ${s.acc.toFixed(3)}  NMI ${s.nmi.toFixed(3)}  ARI ${s.ari.toFixed(3)}; wrote ${metricsFile}`);
  rep.done({ n: ds.n, ...sliced(a), k: model.meta.k, sizes: p.sizes, acc: s?.acc ?? null, nmi: s?.nmi ?? null, ari: s?.ari ?? null }, files);
  return 0;
}

export async function embed(args: string[]): Promise<number> {
  const f = parseFlags(args, embedFlags);
  const { out, ...a } = await prepare(f, 'embed');
  const { model, ds } = a;
  const rep = new Reporter('embed', f.json === true);
  rep.start({ model: f.model, data: f.data, n: ds.n, k: model.meta.k, ...sliced(a) });
  if (ds.stream) rep.say(`data: ${dataMode(ds)}`);
  const dz = model.meta.dims[model.meta.dims.length - 1];
  const values = await onAdapter(f, (rt) => embedApplication(rt, a));
  writeEmbedding(out, values, ds.n, dz);
  rep.say(`embedded ${ds.n} points of ${ds.name}${rowsOf(a)} into ${dz} dimensions; wrote ${out}`);
  rep.done({ n: ds.n, ...sliced(a), dims: dz }, [out]);
  return 0;
}
