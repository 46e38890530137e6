// A model's training state as named tensors: what a checkpoint saves and a resume restores. The
// training loops say what their state is (weights, optimiser, counters); when and where it is
// written is the job's business (src/run/checkpoint.ts).
import { InputError } from '../io/errors.js';
import type { StTensor } from '../io/safetensors.js';
import type { Autoencoder } from './autoencoder.js';
import type { Linear } from './linear.js';
import type { Adam, Sgd } from './optim.js';

/**
 * Where a run stands: `step` steps of stage `stage` of `phase` are done. The phases are named by
 * whoever trains (the method's loops, the job's order of them), not here.
 */
export interface Position<Phase extends string = string> {
  phase: Phase;
  stage: number;
  step: number;
}

/** The state of training at one position: tensors by name and small numbers (counters). */
export interface TrainState<Phase extends string = string> {
  position: Position<Phase>;
  tensors: Record<string, StTensor>;
  info: Record<string, number>;
}

const f32 = (data: Float32Array, shape: number[]): StTensor => ({ dtype: 'F32', shape, data });

function layerNames(ae: Autoencoder): [string, Linear][] {
  return [...ae.encoder.map((l, i): [string, Linear] => [`encoder.${i}`, l]), ...ae.decoder.map((l, i): [string, Linear] => [`decoder.${i}`, l])];
}

/** Every weight and bias of the autoencoder, read back, by name (encoder.{i}.weight [in, out], .bias [out]). */
export async function autoencoderTensors(ae: Autoencoder): Promise<Record<string, StTensor>> {
  const out: Record<string, StTensor> = {};
  for (const [name, l] of layerNames(ae)) {
    out[`${name}.weight`] = f32(await l.weight.toArray(), [l.inFeatures, l.outFeatures]);
    out[`${name}.bias`] = f32(await l.bias.toArray(), [l.outFeatures]);
  }
  return out;
}

/** Overwrites the autoencoder's weights with `tensors` (names and shapes as autoencoderTensors). */
export function loadAutoencoder(ae: Autoencoder, tensors: Record<string, StTensor>, file = 'model'): void {
  for (const [name, l] of layerNames(ae)) {
    for (const [part, t, size] of [['weight', l.weight, l.inFeatures * l.outFeatures], ['bias', l.bias, l.outFeatures]] as const) {
      const st = tensors[`${name}.${part}`];
      if (!st || st.dtype !== 'F32' || st.data.length !== size) throw new InputError(`${file}: ${name}.${part} is missing or has the wrong shape for dims ${ae.dims.join('-')}`);
      t.rt.write(t.buffer, st.data);
    }
  }
}

/** An optimiser's state as tensors (opt.{i}.v, opt.{i}.m per parameter) and info (its step count opt.t). */
export async function optimizerState(opt: Sgd | Adam): Promise<Pick<TrainState, 'tensors' | 'info'>> {
  const state = await opt.exportState();
  const tensors: Record<string, StTensor> = {};
  state.v.forEach((v, i) => (tensors[`opt.${i}.v`] = f32(v, [v.length])));
  state.m.forEach((m, i) => (tensors[`opt.${i}.m`] = f32(m, [m.length])));
  return { tensors, info: { 'opt.t': state.t } };
}

/** Restores what optimizerState saved. */
export function restoreOptimizer(opt: Sgd | Adam, s: Pick<TrainState, 'tensors' | 'info'>): void {
  const get = (i: number, which: 'v' | 'm') => s.tensors[`opt.${i}.${which}`].data as Float32Array;
  opt.importState({ t: s.info['opt.t'], v: opt.params.map((_, i) => get(i, 'v')), m: opt.params.map((_, i) => get(i, 'm')) });
}
