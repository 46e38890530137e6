// A trained model applied to data, behind both doors: `webgpu-dec predict` / `embed` on a file and
// the library's predict / embed on an array. The data get the model's preprocessing; predict is the
// assignment pass training ends with (on the training data it reproduces training's clusters).
import { readFileSync } from 'node:fs';
import type { Runtime } from '../gpu/runtime.js';
import type { Dataset } from '../data/dataset.js';
import { DataError } from '../data/formats/row-file.js';
import { datasetFromArray, type ArrayShape } from '../data/from-array.js';
import { loadData, type ReadOptions } from '../data/load.js';
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
}

/** The model file and the data file (with their labels), checked against each other; nothing on the GPU yet. */
export async function applicationOfFiles(modelFile: string, data: string, labels: string | undefined, read: ReadOptions = {}): Promise<Application> {
  const model = readModel(modelFile);
  const ds = await loadData(data, labels, model.meta.preprocess, read);
  checkModelInput(model, ds, data, modelFile);
  return { model, modelFile, ds };
}

/** The rows of an array (`shape.d` must be the model's input width, else an error says so). */
export function applicationOfArray(model: LoadedModel, x: ArrayLike<number>, shape: Omit<ArrayShape, 'd'>): Application {
  return { model, modelFile: 'model', ds: datasetFromArray(x, { ...shape, d: model.meta.dims[0] }, model.meta.preprocess) };
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
  writeFileAtomic(out, assignmentsCsv(undefined, p.hard, p.confidence, a.ds.labels));
  if (!p.scores) return [out];
  const s = round(p.scores)!;
  const json = { ...s, n: a.ds.n, k: a.model.meta.k, data: names.data, model: names.model, nmi_normalisation: 'arithmetic mean of H(labels) and H(clusters)' };
  writeFileAtomic(metricsFile, JSON.stringify(json, null, 2) + '\n');
  return [out, metricsFile];
}

/** embed's .npy: float32 [n, d_z]. */
export function writeEmbedding(out: string, values: Float32Array, n: number, dz: number): void {
  writeFileAtomic(out, npyBytes(values, [n, dz]));
}
