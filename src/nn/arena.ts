// A parameter arena: the parameters one optimiser updates, laid out in one buffer, with their
// gradients, momenta v and Adam's moments m at the same offsets in three more (llm.c keeps its
// parameters and gradients in one allocation each), so that one dispatch of shaders/optim.wgsl
// updates every parameter.
//
// The optimiser borrows its parameters. At construction each one's values are copied into the
// arena and its GPUBuffer is placed there (rt.views, src/gpu/views.ts): the buffer keeps its
// identity, so every op, layer and closure holding the tensor or its buffer keeps working, and
// reads and writes of it (checkpoints, model files) go to the arena. dispose() copies the values
// back into the parameters' own buffers. So any tensor can be a parameter: a layer's weight, or
// DEC's cluster centres made with fromArray. Should another optimiser borrow a parameter meanwhile,
// this one takes it back (one copy) at its next step: a parameter lives in the arena of the
// optimiser that stepped it last.
//
// Gradients: an op that can write a parameter's gradient in place asks gradTarget() and gets the
// parameter's slot in the gradient arena (matmul's weight and bias gradients, biasAdd's, DEC's
// ∂L/∂μ). A gradient written elsewhere (an op of the user's own) is copied into its slot by
// gatherGrads(): a copy, not a dispatch, recorded just before the update.
import type { Runtime } from '../gpu/runtime.js';
import { primitive } from '../tensor/ops/primitives.js';
import { keep, Tensor } from '../tensor/index.js';

/** A parameter the optimiser updates, with its multipliers. */
export interface ParamGroup {
  param: Tensor;
  /** Learning-rate multiplier (2 for biases in the original DEC code). Read at construction. */
  lrMult?: number;
  /** Weight-decay multiplier (biases usually 0). Read at construction. */
  decayMult?: number;
}

/**
 * Elements per block: 64 f32 = 256 bytes, a storage-binding offset every device accepts (WebGPU's
 * minStorageBufferOffsetAlignment is at most 256), and one workgroup of the update kernel. Every
 * parameter starts on a block.
 */
export const BLOCK = 64;

/** One parameter's place in the arena. */
export interface Segment {
  param: Tensor;
  /** Its first element in the arena (a multiple of BLOCK) and its number of elements. */
  start: number;
  size: number;
  /** A view of its gradient's range in the gradient arena. */
  slot: Tensor;
}

/** Gradient slots of every arena: they belong to their arena, never disposed with a gradient. */
const slots = new WeakSet<Tensor>();

/** The parameters of one optimiser and their gradients and state, one buffer each (see above). */
export class ParamArena {
  /** Elements in each buffer: the parameters, each padded to a whole number of blocks. */
  readonly length: number;
  readonly p: GPUBuffer;
  readonly g: GPUBuffer;
  readonly v: GPUBuffer;
  readonly m: GPUBuffer;
  /** Per block: where its parameter ends, and the multipliers (optim.wgsl's Block). */
  readonly blocks: GPUBuffer;
  readonly segments: Segment[];

  constructor(
    private rt: Runtime,
    groups: ParamGroup[],
  ) {
    let at = 0;
    const starts = groups.map(({ param }, i) => {
      if (param.size === 0) throw new Error(`optimiser: parameter ${i} has no elements`);
      if (groups.findIndex((g) => g.param === param) !== i) throw new Error(`optimiser: parameter ${i} is listed twice`);
      const start = at;
      at += Math.ceil(param.size / BLOCK) * BLOCK;
      return start;
    });
    this.length = Math.max(BLOCK, at);
    const limit = rt.device.limits.maxStorageBufferBindingSize;
    if (this.length * 4 > limit) {
      throw new Error(`optimiser: the parameters take ${this.length * 4} bytes, past this device's storage binding limit of ${limit}: split them over several optimisers`);
    }
    [this.p, this.g, this.v, this.m] = [0, 1, 2, 3].map(() => rt.acquire(this.length * 4));
    this.segments = groups.map(({ param }, i) => {
      const range = { buffer: this.g, offset: starts[i] * 4, size: param.size * 4 };
      const slot = keep(new Tensor(rt, rt.views.view(range, 'gradient slot'), param.rows, param.cols));
      slots.add(slot);
      return { param, start: starts[i], size: param.size, slot };
    });
    this.blocks = rt.acquire((this.length / BLOCK) * 16);
    rt.write(this.blocks, this.blockTable(groups));
    this.resetState();
    for (const s of this.segments) this.borrow(s);
    // Submitted now, so that a host write into a parameter from here on (a checkpoint being
    // loaded) lands after these copies rather than before them (writes go ahead of the next submit).
    rt.flush();
  }

  /** optim.wgsl's Block per block of BLOCK elements: {end, lr_mult, decay_mult, 0}. */
  private blockTable(groups: ParamGroup[]): Uint32Array {
    const words = new Uint32Array((this.length / BLOCK) * 4);
    const floats = new Float32Array(words.buffer);
    this.segments.forEach((s, i) => {
      const { lrMult = 1, decayMult = 1 } = groups[i];
      for (let b = s.start / BLOCK; b * BLOCK < s.start + s.size; b++) {
        words[4 * b] = s.start + s.size;
        floats[4 * b + 1] = lrMult;
        floats[4 * b + 2] = decayMult;
      }
    });
    return words;
  }

  /** The blocks of a segment, for an update of that parameter alone. */
  static blocksOf(s: Segment): [number, number] {
    return [s.start / BLOCK, Math.ceil(s.size / BLOCK)];
  }

  /** Whether a parameter's buffer is placed in this arena (another optimiser may have taken it). */
  private holds(s: Segment): boolean {
    const r = this.rt.views.rangeOf(s.param.buffer);
    return r?.buffer === this.p && r.offset === s.start * 4;
  }

  /** Copies a parameter's values (from wherever they are) into the arena and places it there. */
  private borrow(s: Segment): void {
    this.rt.copy(s.param.buffer, this.p, s.size * 4, 0, s.start * 4);
    this.rt.views.place(s.param.buffer, { buffer: this.p, offset: s.start * 4, size: s.size * 4 });
    s.param.gradSlot = s.slot;
  }

  /**
   * Takes back the parameters that another optimiser borrowed since the last step. (Not flushed,
   * to keep the step one submit: a host write into such a parameter must flush before it.)
   */
  claim(): void {
    for (const s of this.segments) if (!s.param.isDisposed && !this.holds(s)) this.borrow(s);
  }

  /** Copies every gradient that is not already in its slot into it; the segments that have one. */
  gatherGrads(): Segment[] {
    const have: Segment[] = [];
    for (const s of this.segments) {
      const grad = s.param.grad;
      if (!grad) continue;
      if (grad !== s.slot) this.rt.copy(grad.buffer, s.slot.buffer, s.size * 4);
      have.push(s);
    }
    return have;
  }

  /** Drops every parameter's gradient (a slot stays with its arena, to be written again). */
  dropGrads(): void {
    for (const { param } of this.segments) {
      if (param.grad && !slots.has(param.grad)) param.grad.dispose();
      param.grad = null;
    }
  }

  /** v = m = 0. */
  resetState(): void {
    for (const b of [this.v, this.m]) primitive(this.rt, 'fill', this.length, 0, 1, 0, [this.rt.scratch, this.rt.scratch], b);
  }

  /** Each parameter's v and m, in parameter order (two readbacks). */
  async readState(): Promise<{ v: Float32Array[]; m: Float32Array[] }> {
    const [v, m] = await Promise.all([this.v, this.m].map((b) => this.rt.readF32(b, this.length)));
    const split = (all: Float32Array) => this.segments.map((s) => all.slice(s.start, s.start + s.size));
    return { v: split(v), m: split(m) };
  }

  /** Writes each parameter's v and m (as readState returned them). */
  writeState(v: Float32Array[], m: Float32Array[]): void {
    this.segments.forEach((s, i) => {
      for (const [name, data] of [['v', v[i]], ['m', m[i]]] as const) {
        if (data?.length !== s.size) throw new Error(`optimiser state: parameter ${i} has ${s.size} values, its ${name} ${data?.length ?? 'none'}`);
      }
      this.rt.write(this.v, v[i], s.start * 4);
      this.rt.write(this.m, m[i], s.start * 4);
    });
  }

  /** Gives every parameter still here its own buffer back (its values copied), then frees the arena. */
  dispose(): void {
    this.dropGrads();
    for (const s of this.segments) {
      if (s.param.gradSlot === s.slot) s.param.gradSlot = null;
      if (!s.param.isDisposed && this.holds(s)) {
        this.rt.views.unplace(s.param.buffer);
        this.rt.copy(this.p, s.param.buffer, s.size * 4, s.start * 4, 0);
      }
      s.slot.dispose();
    }
    for (const b of [this.p, this.g, this.v, this.m, this.blocks]) this.rt.release(b);
    this.rt.flush(); // as in the constructor: host writes from here on land after the copies back
  }
}
