// A fully connected layer y = act(x · W + b) as one fused matmul.
import type { Runtime } from '../gpu/runtime.js';
import { fromArray, keep, matmul, type Tensor } from '../tensor/index.js';
import { gaussian, uniform, type Rng } from '../random/rng.js';

/** A layer's weight initialiser: N(0, std²), or U(−√(1/fan-in), √(1/fan-in)); biases start at 0. */
export type Init = { kind: 'gaussian'; std: number } | { kind: 'uniform-fan-in' };

/** A fully connected layer y = act(x · W + b) as one fused matmul (act: ReLU or none). */
export class Linear {
  readonly weight: Tensor; // [inFeatures, outFeatures]
  readonly bias: Tensor; //   [1, outFeatures]

  constructor(
    rt: Runtime,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly relu: boolean,
    init: Init,
    rng: Rng,
  ) {
    const n = inFeatures * outFeatures;
    const w = init.kind === 'gaussian' ? gaussian(n, init.std, rng) : uniform(n, Math.sqrt(1 / inFeatures), rng);
    this.weight = keep(fromArray(rt, w, inFeatures, outFeatures, true));
    this.bias = keep(fromArray(rt, new Float32Array(outFeatures), 1, outFeatures, true));
  }

  /** x: [batch, in] -> [batch, out] */
  forward(x: Tensor): Tensor {
    return matmul(x, this.weight, { bias: this.bias, relu: this.relu });
  }

  get params(): Tensor[] {
    return [this.weight, this.bias];
  }

  /** Frees the weight and the bias. */
  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}
