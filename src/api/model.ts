// The trained model as a value: saved and loaded as model.safetensors (the file `webgpu-dec train`
// writes), and applied to plain arrays: predict (clusters) and embed (z = f_θ(x)).
import { writeFileAtomic } from '../io/atomic.js';
import type { DecModel } from '../model/model-file.js';
import { applicationOfArray, embedApplication, predictApplication } from '../run/apply.js';
import type { Scores } from '../metrics/clustering.js';
import { withDevice, type DeviceChoice } from './device.js';

export type { DecModel } from '../model/model-file.js';
export { loadModel, modelFromBytes } from '../run/apply.js';

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
  const a = applicationOfArray(model, x, { n: options.n, labels: options.labels, name: 'x' });
  const p = await withDevice(options, (rt) => predictApplication(rt, a));
  return { assignments: p.hard, confidence: p.confidence, scores: p.scores };
}

/** The embedding z = f_θ(x) of the rows of `x` under a trained model: [n, d_z], row-major. */
export async function embed(model: DecModel, x: ArrayLike<number>, options: ApplyOptions = {}): Promise<Float32Array> {
  const a = applicationOfArray(model, x, { n: options.n, name: 'x' });
  return withDevice(options, (rt) => embedApplication(rt, a));
}
