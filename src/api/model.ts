// The trained model as a value: saved and loaded as model.safetensors (the file `webgpu-dec train`
// writes), and applied to plain arrays: predict (clusters) and embed (z = f_θ(x)).
import { readFileSync } from 'node:fs';
import { datasetFromArray } from '../data/from-array.js';
import { DataError } from '../data/formats/row-file.js';
import { embedRows, predictRows } from '../model/trained-model.js';
import { readModel, type LoadedModel } from '../model/model-file.js';
import { writeFileAtomic } from '../io/atomic.js';
import { scores, type Scores } from '../metrics/clustering.js';
import { withDevice, type DeviceChoice } from './device.js';

/**
 * A trained DEC model: the autoencoder's weights and the cluster centres (`tensors`), what it was
 * trained with (`meta`: dims, k, α, the input preprocessing, preset, seed) and the model file's
 * bytes. Plain data: it holds no GPU memory.
 */
export interface DecModel extends LoadedModel {
  /** The model file (safetensors) that `meta` and `tensors` were read from: what saveModel writes. */
  readonly bytes: Uint8Array;
}

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

/** Writes the model file (to a temporary name, then renamed); returns its path. */
export function saveModel(model: DecModel, file: string): string {
  return writeFileAtomic(file, model.bytes);
}

/** Options of {@link predict} and {@link embed}. */
export interface ApplyOptions extends DeviceChoice {
  /** Points in `x` (default: `x.length / d`, d = the model's input width). */
  n?: number;
}

/** Options of {@link predict}. */
export interface PredictOptions extends ApplyOptions {
  /** One integer class id per point: adds ACC / NMI / ARI. */
  labels?: ArrayLike<number>;
}

/** What {@link predict} returns, one entry per point of `x`, in its order. */
export interface Prediction {
  /** The cluster of each point: argmax_j q_ij. */
  assignments: Uint32Array;
  /** max_j q_ij, the soft assignment's weight on that cluster. */
  confidence: Float32Array;
  /** ACC, NMI, ARI against `labels`; null without them. */
  scores: Scores | null;
}

/**
 * The clusters of the rows of `x` ([n, d], row-major, raw values as in training: the model's
 * preprocessing is applied) under a trained model, by the same pass training ends with: on the
 * training data it reproduces training's assignments.
 */
export async function predict(model: DecModel, x: ArrayLike<number>, options: PredictOptions = {}): Promise<Prediction> {
  const ds = datasetFromArray(x, { d: model.meta.dims[0], n: options.n, labels: options.labels, name: 'x' }, model.meta.preprocess);
  const a = await withDevice(options, (rt) => predictRows(rt, model, ds));
  return { assignments: a.hard, confidence: a.confidence, scores: ds.labels ? scores(ds.labels, a.hard) : null };
}

/** The embedding z = f_θ(x) of the rows of `x` under a trained model: [n, d_z], row-major. */
export async function embed(model: DecModel, x: ArrayLike<number>, options: ApplyOptions = {}): Promise<Float32Array> {
  const ds = datasetFromArray(x, { d: model.meta.dims[0], n: options.n, name: 'x' }, model.meta.preprocess);
  return withDevice(options, (rt) => embedRows(rt, model, ds));
}
