// A trained model applied to data, behind both doors: `webgpu-dec predict` / `embed` on a file and
// the library's predict / embed on an array. The data get the model's preprocessing; predict is the
// assignment pass training ends with (on the training data it reproduces training's clusters).
import { readFileSync } from 'node:fs';
import type { Runtime } from '../gpu/runtime.js';
import type { Dataset } from '../data/dataset.js';
import { DataError } from '../data/formats/row-file.js';
import { datasetFromArray, type ArrayShape } from '../data/from-array.js';
import { loadData, type ReadOptions } from '../data/load.js';
import type { RowSelection } from '../data/slice.js';
import { OptionError } from '../io/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { npyBytes } from '../data/formats/npy.js';
import { scores, type Scores } from '../metrics/clustering.js';
import { readModel, type DecModel, type LoadedModel } from '../model/model-file.js';
import { checkModelInput, embedRows, predictRows } from '../model/trained-model.js';
import { assignmentsCsv } from '../records/assignments.js';
import { round } from './outputs.js';

/** A model from the bytes of a model file (`name` for messages). */
export function modelFromBytes(bytes: Uint8Array, name = 'model'): DecModel {
  return { ...readModel(name, bytes), bytes };
}

/** Reads a model.safetensors written by saveModel or by `webgpu-dec train`. */
export function loadModel(file: string): DecModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DataError(file, `cannot read the model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass the model.safetensors of a run`);
  }
  return modelFromBytes(bytes, file);
}

/** A model and the data it is applied to: a file read with the model's preprocessing, checked against it. */
export interface Application {
  model: LoadedModel;
  /** The model file, for messages. */
  modelFile: string;
  ds: Dataset;
  /** A slice of the file (`read.rows`): its rows A … B−1 in the file, as [A, B]; null: the whole file. */
  rows: [number, number] | null;
}

/** The model file and the data file (with their labels), checked against each other; nothing on the GPU yet. */
export async function applicationOfFiles(modelFile: string, data: string, labels: string | undefined, read: ReadOptions = {}): Promise<Application> {
  const model = readModel(modelFile);
  const ds = await loadData(data, labels, model.meta.preprocess, read);
  checkModelInput(model, ds, data, modelFile);
  const first = ds.index ? ds.index[0] : (ds.file?.first ?? 0); // the bundled digits' slice is a copy, with its index
  return { model, modelFile, ds, rows: read.rows ? [first, first + ds.n] : null };
}

/** The rows of an array (`shape.d` must be the model's input width, else an error says so). */
export function applicationOfArray(model: LoadedModel, x: ArrayLike<number>, shape: Omit<ArrayShape, 'd'>): Application {
  return { model, modelFile: 'model', ds: datasetFromArray(x, { ...shape, d: model.meta.dims[0] }, model.meta.preprocess), rows: null };
}

/** What predict gives, one entry per row in the data's order. */
export interface Predicted {
  hard: Uint32Array;
  confidence: Float32Array;
  /** Points per cluster. */
  sizes: number[];
  /** ACC / NMI / ARI against the data's labels (null without). */
  scores: Scores | null;
}

/** The clusters of the application's rows. */
export async function predictApplication(rt: Runtime, a: Application): Promise<Predicted> {
  const { hard, confidence } = await predictRows(rt, a.model, a.ds, a.modelFile);
  const sizes = Array.from({ length: a.model.meta.k }, (_, j) => hard.filter((c) => c === j).length);
  return { hard, confidence, sizes, scores: a.ds.labels ? scores(a.ds.labels, hard) : null };
}

/** The embedding z = f_θ(x) of the application's rows, [n, d_z]. */
export function embedApplication(rt: Runtime, a: Application): Promise<Float32Array> {
  return embedRows(rt, a.model, a.ds, a.modelFile);
}

/** predict's CSV (index,cluster,confidence[,label]); with labels, its scores as FILE.metrics.json. */
export function writePrediction(out: string, a: Application, p: Predicted, names: { data: string; model: string }, metricsFile: string): string[] {
  // a slice's index column: its rows' numbers in the input file, so that shards joined in order are the whole file's output
  const index = a.rows ? Uint32Array.from({ length: a.ds.n }, (_, i) => a.rows![0] + i) : undefined;
  writeFileAtomic(out, assignmentsCsv(index, p.hard, p.confidence, a.ds.labels));
  if (!p.scores) return [out];
  const s = round(p.scores)!;
  // a slice's scores are those of its rows alone (`rows`: [A, B], the file rows scored)
  const json = { ...s, n: a.ds.n, k: a.model.meta.k, data: names.data, model: names.model, ...(a.rows ? { rows: a.rows } : {}), nmi_normalisation: 'arithmetic mean of H(labels) and H(clusters)' };
  writeFileAtomic(metricsFile, JSON.stringify(json, null, 2) + '\n');
  return [out, metricsFile];
}

/** embed's .npy: float32 [n, d_z]. */
export function writeEmbedding(out: string, values: Float32Array, n: number, dz: number): void {
  writeFileAtomic(out, npyBytes(values, [n, dz]));
}

/** The environment variables `--shard auto/n` takes the shard's number from: Slurm's job array, Kubernetes' Indexed Job. */
export const SHARD_ENV = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'] as const;

/**
 * The rows predict / embed apply the model to, from their options: `rows` "A:B" (rows A … B−1 of
 * the file, from 0), or `shard` "i/n" (the i-th of n contiguous, nearly equal slices) or "auto/n"
 * (i from SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX, in `env`); undefined: the whole file.
 */
export function rowSelectionOf(rows: string | undefined, shard: string | undefined, env: NodeJS.ProcessEnv = process.env): RowSelection | undefined {
  if (rows !== undefined && shard !== undefined) throw new OptionError((name) => `${name('rows')} and ${name('shard')} both choose the rows; pass one of them`);
  const count = (t: string) => (/^\d+$/.test(t) && Number(t) <= Number.MAX_SAFE_INTEGER ? Number(t) : NaN);
  if (rows !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(rows.trim());
    const [a, b] = m ? [count(m[1]), count(m[2])] : [NaN, NaN];
    if (!(a < b)) throw new OptionError((name) => `${name('rows')} must be A:B, rows A to B−1 of the file counting from 0, with A < B (e.g. 0:1000); got "${rows}"`);
    return { rows: [a, b] };
  }
  if (shard === undefined) return undefined;
  const m = /^(\d+|auto)\/(\d+)$/.exec(shard.trim());
  const n = m ? count(m[2]) : NaN;
  if (!m || !(n >= 1)) throw new OptionError((name) => `${name('shard')} must be i/n (shard i of n, i from 0 to n−1) or auto/n; got "${shard}"`);
  if (m[1] !== 'auto') {
    const i = count(m[1]);
    if (!(i < n)) throw new OptionError((name) => `${name('shard')} ${shard}: i must be 0 to ${n - 1}; got ${i}`);
    return { shard: [i, n] };
  }
  const from = SHARD_ENV.find((v) => env[v] !== undefined && env[v] !== '');
  if (!from) {
    throw new OptionError((name) => `${name('shard')} auto/${n} takes the shard from ${SHARD_ENV.join(' or ')}, and neither is set; run it as a Slurm job array or a Kubernetes Indexed Job, or pass ${name('shard')} i/${n}`);
  }
  const i = count(env[from]!.trim());
  if (!(i < n)) {
    throw new OptionError((name) => `${name('shard')} auto/${n}: ${from} is "${env[from]}", not a shard from 0 to ${n - 1}; number the tasks from 0 (e.g. #SBATCH --array=0-${n - 1}, or completions: ${n})`);
  }
  return { shard: [i, n] };
}
