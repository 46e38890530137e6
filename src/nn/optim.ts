// SGD with momentum and Adam as GPU kernels that update parameters in place: one dispatch per step
// updates every parameter, over the optimiser's parameter arena (arena.ts, shaders/optim.wgsl).
import type { Kernel, Runtime } from '../gpu/runtime.js';
import { defineFamily, grid1d } from '../gpu/registry.js';
import { BLOCK, ParamArena, type ParamGroup } from './arena.js';

// Params, H, blocks, g, p, v, m: the optimiser over a parameter arena
const optim = ['uniform', 'rw', 'read', 'read', 'rw', 'rw', 'rw'] as const;

/** shaders/optim.wgsl. */
export const optimFamily = defineFamily('optim', { sgd: optim, adam: optim }, { first_block: 'u32', blocks: 'u32', parity: 'u32', pad: 'u32' });

export type { ParamGroup } from './arena.js';

const { sgd: SGD, adam: ADAM } = optimFamily.kernels;

/** Hyper-parameters; change them in `opts` between steps (uploaded before the next step). */
export interface OptimOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Shared machinery: the parameter arena (parameters, gradients, v, m) and the hyper-parameter
 * buffer H (see optim.wgsl). The optimiser borrows its parameters into its arena until dispose()
 * (see arena.ts); the lrMult / decayMult multipliers are read once, at construction.
 */
abstract class Optimizer {
  protected hyper: GPUBuffer;
  protected hostHyper = new Float32Array(8);
  protected written = new Float32Array(8).fill(NaN);
  protected t = 0;
  protected arena: ParamArena;

  constructor(
    protected rt: Runtime,
    readonly params: ParamGroup[],
    public opts: OptimOptions,
    private kernel: Kernel,
  ) {
    this.hyper = rt.acquire(32);
    this.arena = new ParamArena(rt, params);
  }

  protected abstract hyperValues(): number[];

  /**
   * Uploads changed hyper-parameters (this.opts). Call it before recording a step, so that the
   * step stays one submit; step() calls it too, as a safety net.
   */
  syncHyper(): void {
    this.hostHyper.set(this.hyperValues());
    // Entries 0–5 are the hyper-parameters; entries 6, 7 (t) are the GPU's own count, written along.
    if (this.hostHyper.some((v, i) => i < 6 && v !== this.written[i])) {
      // queue.writeBuffer runs before the next submit: flush so that earlier steps keep their values.
      this.rt.flush();
      this.rt.write(this.hyper, this.hostHyper);
      this.written.set(this.hostHyper);
    }
  }

  /**
   * Records one update of every parameter that has a gradient, then drops the gradients. In a
   * training step every parameter has one: one dispatch over the whole arena. Otherwise one
   * dispatch per parameter that has one (the others keep their values and state, as always).
   */
  step(): void {
    this.syncHyper();
    const arena = this.arena;
    arena.claim();
    const updated = arena.gatherGrads();
    const ranges = updated.length === arena.segments.length ? [[0, arena.length / BLOCK]] : updated.map(ParamArena.blocksOf);
    if (ranges.length === 0) ranges.push([0, 0]); // nothing to update; Adam's t still advances
    // Adam reads t from H[6 + parity] and writes t + 1 into the other slot (optim.wgsl); SGD has no t.
    const parity = this.kernel === ADAM ? this.t % 2 : 0;
    for (const [first, count] of ranges) {
      const u = optimFamily.params({ first_block: first, blocks: count, parity });
      this.rt.dispatch(this.kernel, [u, this.hyper, arena.blocks, arena.g, arena.p, arena.v, arena.m], grid1d(count * (BLOCK / 4), 64)); // one invocation per vec4, 4 blocks a workgroup
    }
    this.t++;
    arena.dropGrads();
  }

  /** Drops every parameter's gradient. */
  zeroGrad(): void {
    this.arena.dropGrads();
  }

  /** Clears momentum / moment estimates (DEC's original code resets momentum at each target update). */
  resetState(): void {
    this.arena.resetState();
    this.t = 0;
    this.written.fill(NaN); // rewrite H (and its t) before the next step
  }

  /** The state a checkpoint needs: each parameter's v and m, and the step count t. */
  async exportState(): Promise<{ t: number; v: Float32Array[]; m: Float32Array[] }> {
    return { t: this.t, ...(await this.arena.readState()) };
  }

  /** Restores what exportState returned (same parameters, same order). */
  importState(s: { t: number; v: Float32Array[]; m: Float32Array[] }): void {
    this.rt.flush(); // writes land before the next submit: earlier recorded steps keep the old state
    this.arena.writeState(s.v, s.m);
    this.t = s.t;
    this.written.fill(NaN); // rewrite H, with t, before the next step
  }

  /** Frees the optimiser state and gives the parameters their own buffers back (with their values). */
  dispose(): void {
    this.arena.dispose();
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
    return [lr, momentum, weightDecay, 0, 0, 0, this.t, this.t];
  }
}

/** Adam with bias correction. */
export class Adam extends Optimizer {
  constructor(rt: Runtime, params: ParamGroup[], opts: OptimOptions) {
    super(rt, params, opts, ADAM);
  }
  protected hyperValues(): number[] {
    const { lr, weightDecay = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = this.opts;
    return [lr, 0, weightDecay, beta1, beta2, eps, this.t, this.t];
  }
}
