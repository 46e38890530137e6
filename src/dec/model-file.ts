// The model file: the trained encoder and the cluster centres, enough to assign new points.
// JSON with little-endian float32 arrays in base64.
import type { Autoencoder } from '../nn/autoencoder.js';

export interface ModelFile {
  format: 'webgpu-dec/1';
  dims: number[];
  k: number;
  alpha: number;
  centers: string; // [k, dims.at(-1)]
  encoder: { weight: string; bias: string; relu: boolean }[]; // weight: [in, out]
}

const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

export async function modelFile(ae: Autoencoder, centers: Float32Array, k: number, alpha: number): Promise<ModelFile> {
  const encoder = [];
  for (const l of ae.encoder) encoder.push({ weight: b64(await l.weight.toArray()), bias: b64(await l.bias.toArray()), relu: l.relu });
  return { format: 'webgpu-dec/1', dims: ae.dims, k, alpha, centers: b64(centers), encoder };
}
