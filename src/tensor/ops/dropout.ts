// Inverted dropout; the mask is a hash of (seed, step, salt, index) computed on the GPU in both the
// forward and the backward pass, so nothing is stored and the same seed gives the same masks.
import type { Runtime } from '../../gpu/runtime.js';
import { accumulate, empty, needsGrad, record, type Tensor } from '../tensor.js';
import { defineFamily, grid1d } from '../../gpu/registry.js';

/** shaders/dropout.wgsl. */
export const dropoutFamily = defineFamily('dropout', { dropout: ['uniform', 'read', 'read', 'rw'] }, { n: 'u32', salt: 'u32', rate: 'f32', pad: 'u32' });

/** A [seed, step] pair on the GPU; `step` is advanced once per training step (before its submit). */
export class DropoutRng {
  readonly buffer: GPUBuffer;
  private state: Uint32Array;
  constructor(
    private rt: Runtime,
    seed: number,
  ) {
    this.buffer = rt.acquire(8);
    this.state = new Uint32Array([seed >>> 0, 0]);
    rt.write(this.buffer, this.state);
  }
  /** Moves to the next step's masks. Flushes first, so earlier recorded steps keep their masks. */
  next(): void {
    this.rt.flush();
    this.state[1]++;
    this.rt.write(this.buffer, this.state);
  }
  /** The seed the counter hash starts from. */
  get seed(): number {
    return this.state[0];
  }
  /** Steps taken so far (a checkpoint stores it; resuming sets it back). */
  get step(): number {
    return this.state[1];
  }
  set step(step: number) {
    this.rt.flush();
    this.state[1] = step;
    this.rt.write(this.buffer, this.state);
  }
  /** Returns its buffer to the pool. */
  dispose(): void {
    this.rt.release(this.buffer);
  }
}

function dropoutRaw(x: GPUBuffer, n: number, rate: number, rng: DropoutRng, salt: number, out: GPUBuffer, rt: Runtime): void {
  const u = dropoutFamily.params({ n, salt, rate });
  rt.dispatch(dropoutFamily.kernels.dropout, [u, x, rng.buffer, out], grid1d(n));
}

/** y = x ⊙ m / (1 − rate), m ~ Bernoulli(1 − rate);  dx = g ⊙ m / (1 − rate).  `salt` tells layers apart. */
export function dropout(x: Tensor, rate: number, rng: DropoutRng, salt: number): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  const rt = x.rt;
  const y = empty(rt, x.rows, x.cols);
  dropoutRaw(x.buffer, x.size, rate, rng, salt, y.buffer, rt);
  if (!needsGrad(x)) return y;
  return record(y, (g) => {
    const dx = empty(rt, x.rows, x.cols);
    dropoutRaw(g.buffer, g.size, rate, rng, salt, dx.buffer, rt);
    accumulate(x, dx);
  });
}
