// The DEC autoencoder: encoder d-500-500-2000-10 (ReLU except the embedding), decoder its mirror
// (ReLU except the reconstruction). Each layer is one fused matmul + bias + ReLU.
import type { Runtime } from '../gpu/runtime.js';
import type { Tensor } from '../tensor/index.js';
import type { Rng } from '../random/rng.js';
import { Linear, type Init } from './linear.js';

/**
 * DEC's autoencoder: an encoder of fused matmul + bias + ReLU layers (linear embedding) and its
 * mirror as decoder (linear reconstruction).
 */
export class Autoencoder {
  readonly encoder: Linear[];
  readonly decoder: Linear[];

  /** dims = [d, 500, 500, 2000, 10]: the encoder's widths, input first. */
  constructor(
    rt: Runtime,
    readonly dims: number[],
    init: Init,
    rng: Rng,
  ) {
    const L = dims.length - 1;
    this.encoder = Array.from({ length: L }, (_, i) => new Linear(rt, dims[i], dims[i + 1], i < L - 1, init, rng));
    this.decoder = Array.from({ length: L }, (_, i) => new Linear(rt, dims[L - i], dims[L - i - 1], i < L - 1, init, rng));
  }

  /** x: [n, d] -> z: [n, dims.at(-1)] */
  encode(x: Tensor): Tensor {
    return this.encoder.reduce((h, layer) => layer.forward(h), x);
  }

  /** z -> reconstruction [n, d] */
  decode(z: Tensor): Tensor {
    return this.decoder.reduce((h, layer) => layer.forward(h), z);
  }

  get layers(): Linear[] {
    return [...this.encoder, ...this.decoder];
  }

  /** Frees every layer's parameters. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}
