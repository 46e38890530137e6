// SGD with momentum and Adam as GPU kernels that update parameters in place.
import { Uniform, type Kernel, type Runtime } from '../gpu/runtime.js';
import { grid1d, kernels } from '../gpu/kernels.js';
import { fill, keep, type Tensor } from '../tensor/tensor.js';

const { sgd: SGD, adam: ADAM, tick: TICK } = kernels.optim;

/** A parameter the optimiser updates, with its multipliers. */
export interface ParamGroup {
  param: Tensor;
  /** Learning-rate multiplier (2 for biases in the original DEC code). */
  lrMult?: number;
  /** Weight-decay multiplier (biases usually 0). */
  decayMult?: number;
}

/** Hyper-parameters; change them in `opts` between steps (uploaded before the next step). */
export interface OptimOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Shared machinery: parameter state buffers and the hyper-parameter buffer H (see optim.wgsl). */
abstract class Optimizer {
  protected hyper: GPUBuffer;
  protected hostHyper = new Float32Array(8);
  protected written = new Float32Array(8).fill(NaN);
  protected state: { v: Tensor; m: Tensor }[];
  protected t = 0;

  constructor(
    protected rt: Runtime,
    readonly params: ParamGroup[],
    public opts: OptimOptions,
    private kernel: Kernel,
  ) {
    this.hyper = rt.acquire(32);
    this.state = params.map(({ param }) => ({
      v: keep(fill(rt, param.rows, param.cols, 0)),
      m: keep(fill(rt, param.rows, param.cols, 0)),
    }));
  }

  protected abstract hyperValues(): number[];

  /**
   * Uploads changed hyper-parameters (this.opts). Call it before recording a step, so that the
   * step stays one submit; step() calls it too, as a safety net.
   */
  syncHyper(): void {
    this.hostHyper.set(this.hyperValues());
    // Entries 0–5 are the hyper-parameters; entry 6 (t) is the GPU's own count, written along.
    if (this.hostHyper.some((v, i) => i < 6 && v !== this.written[i])) {
      // queue.writeBuffer runs before the next submit: flush so that earlier steps keep their values.
      this.rt.flush();
      this.rt.write(this.hyper, this.hostHyper);
      this.written.set(this.hostHyper);
    }
  }

  /** Records one update of every parameter that has a gradient, then drops the gradients. */
  step(): void {
    this.syncHyper();
    this.t++;
    if (this.kernel === ADAM) {
      this.rt.dispatch(TICK, [new Uniform(4), this.hyper], [1]);
    }
    this.params.forEach(({ param, lrMult = 1, decayMult = 1 }, i) => {
      if (!param.grad) return;
      const u = new Uniform(4).u32(param.size).f32(lrMult).f32(decayMult).u32(0);
      const { v, m } = this.state[i];
      this.rt.dispatch(this.kernel, [u, this.hyper, param.grad.buffer, param.buffer, v.buffer, m.buffer], grid1d(param.size));
    });
    this.zeroGrad();
  }

  /** Drops every parameter's gradient. */
  zeroGrad(): void {
    for (const { param } of this.params) {
      param.grad?.dispose();
      param.grad = null;
    }
  }

  /** Clears momentum / moment estimates (DEC's original code resets momentum at each target update). */
  resetState(): void {
    for (const s of this.state) {
      s.v.dispose();
      s.m.dispose();
    }
    this.state = this.params.map(({ param }) => ({
      v: keep(fill(this.rt, param.rows, param.cols, 0)),
      m: keep(fill(this.rt, param.rows, param.cols, 0)),
    }));
    this.t = 0;
    this.written.fill(NaN); // rewrite H (and its t) before the next step
  }

  /** The state a checkpoint needs: each parameter's v and m, and the step count t. */
  async exportState(): Promise<{ t: number; v: Float32Array[]; m: Float32Array[] }> {
    const v = await Promise.all(this.state.map((s) => s.v.toArray()));
    const m = await Promise.all(this.state.map((s) => s.m.toArray()));
    return { t: this.t, v, m };
  }

  /** Restores what exportState returned (same parameters, same order). */
  importState(s: { t: number; v: Float32Array[]; m: Float32Array[] }): void {
    this.rt.flush(); // writes land before the next submit: earlier recorded steps keep the old state
    this.state.forEach((st, i) => {
      this.rt.write(st.v.buffer, s.v[i]);
      this.rt.write(st.m.buffer, s.m[i]);
    });
    this.t = s.t;
    this.written.fill(NaN); // rewrite H, with t, before the next step
  }

  /** Frees the optimiser state (not the parameters). */
  dispose(): void {
    this.zeroGrad();
    for (const s of this.state) {
      s.v.dispose();
      s.m.dispose();
    }
    this.rt.release(this.hyper);
  }
}

/** SGD with momentum and weight decay (Caffe's update rule). */
export class Sgd extends Optimizer {
  constructor(rt: Runtime, params: ParamGroup[], opts: OptimOptions) {
    super(rt, params, opts, SGD);
  }
  protected hyperValues(): number[] {
    const { lr, momentum = 0, weightDecay = 0 } = this.opts;
    return [lr, momentum, weightDecay, 0, 0, 0, this.t, 0];
  }
}

/** Adam with bias correction. */
export class Adam extends Optimizer {
  constructor(rt: Runtime, params: ParamGroup[], opts: OptimOptions) {
    super(rt, params, opts, ADAM);
  }
  protected hyperValues(): number[] {
    const { lr, weightDecay = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = this.opts;
    return [lr, 0, weightDecay, beta1, beta2, eps, this.t, 0];
  }
}
