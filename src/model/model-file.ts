// The model file, model.safetensors: the contract between training and everything after it.
// Tensors (F32, little-endian): encoder.{i}.weight [in, out], encoder.{i}.bias [out], the same for
// decoder.{i} (the mirror, input side last), and centers [k, d_z]. The header's __metadata__ holds
// the format, dims, k, α, the preprocessing (how raw inputs were scaled), d and the image shape,
// the preset, seed, adapter and package version: enough to assign new points exactly as training did.
import type { Runtime } from '../gpu/runtime.js';
import type { Preprocess } from '../data/preprocess.js';
import { InputError } from '../io/errors.js';
import { checkFiniteTensors, decodeSafetensors, encodeSafetensors, readSafetensors, type StTensor } from '../io/safetensors.js';
import { packageVersion } from '../io/version.js';
import { Autoencoder } from '../nn/autoencoder.js';
import { autoencoderTensors, loadAutoencoder } from '../nn/state.js';
import { makeRng } from '../random/rng.js';
import { fromArray, keep, type Tensor } from '../tensor/index.js';

/** The `format` metadata of model.safetensors; readModel accepts only this one. */
export const MODEL_FORMAT = 'webgpu-dec/2';

/** What a model file records besides its tensors. */
export interface ModelMeta {
  dims: number[];
  k: number;
  alpha: number;
  preprocess: Preprocess;
  /** Height × width when the rows are images (d = h·w), else null. */
  image: [number, number] | null;
  preset: string;
  seed: number;
  adapter: string;
}

const f32 = (data: Float32Array, shape: number[]): StTensor => ({ dtype: 'F32', shape, data });

/** The model file's bytes (safetensors): the autoencoder's weights read back, the centres, and `meta`. */
export async function modelBytes(ae: Autoencoder, centers: Float32Array, meta: ModelMeta): Promise<Uint8Array> {
  const tensors = { ...(await autoencoderTensors(ae)), centers: f32(centers, [meta.k, meta.dims[meta.dims.length - 1]]) };
  const m: Record<string, string> = {
    format: MODEL_FORMAT,
    dims: JSON.stringify(meta.dims),
    d: String(meta.dims[0]),
    k: String(meta.k),
    alpha: String(meta.alpha),
    preprocess: JSON.stringify(meta.preprocess),
    image: JSON.stringify(meta.image),
    preset: meta.preset,
    seed: String(meta.seed),
    adapter: meta.adapter,
    version: packageVersion(),
  };
  return encodeSafetensors(tensors, m);
}

/** A model file as read: its metadata (and the package version that wrote it) and its tensors by name. */
export interface LoadedModel {
  meta: ModelMeta & { version: string };
  tensors: Record<string, StTensor>;
}

/**
 * A trained DEC model: the autoencoder's weights and the cluster centres (`tensors`), what it was
 * trained with (`meta`: dims, k, α, the input preprocessing, preset, seed) and the model file's
 * bytes. Plain data: it holds no GPU memory.
 */
export interface DecModel extends LoadedModel {
  /** The model file (safetensors) that `meta` and `tensors` were read from: what saveModel writes. */
  readonly bytes: Uint8Array;
}

/** Reads and checks a model file (bytes given, or read from `file`). */
export function readModel(file: string, bytes?: Uint8Array): LoadedModel {
  const { tensors, metadata: m } = bytes ? decodeSafetensors(bytes, file) : readSafetensors(file);
  if (m.format !== MODEL_FORMAT) throw new InputError(`${file}: not a webgpu-dec model (format "${m.format ?? 'none'}", expected ${MODEL_FORMAT}); train one with webgpu-dec train`);
  let meta: LoadedModel['meta'];
  try {
    meta = {
      dims: JSON.parse(m.dims) as number[],
      k: Number(m.k),
      alpha: Number(m.alpha),
      preprocess: JSON.parse(m.preprocess) as Preprocess,
      image: JSON.parse(m.image) as [number, number] | null,
      preset: m.preset,
      seed: Number(m.seed),
      adapter: m.adapter,
      version: m.version,
    };
    if (!tensors.centers || tensors.centers.data.length !== meta.k * meta.dims[meta.dims.length - 1]) throw new Error('centers');
  } catch (e) {
    throw new InputError(`${file}: damaged model metadata (${(e as Error).message}); train the model again`);
  }
  checkFiniteTensors(file, tensors);
  return { meta, tensors };
}

/** The model on the GPU: its autoencoder (encoder and decoder) and the centres μ. */
export function modelOnGpu(rt: Runtime, model: LoadedModel, file = 'model'): { ae: Autoencoder; mu: Tensor } {
  const ae = new Autoencoder(rt, model.meta.dims, { kind: 'gaussian', std: 0 }, makeRng('load'));
  loadAutoencoder(ae, model.tensors, file);
  const dz = model.meta.dims[model.meta.dims.length - 1];
  return { ae, mu: keep(fromArray(rt, model.tensors.centers.data, model.meta.k, dz)) };
}
