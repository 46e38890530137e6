// GPU-resident f32 matrices and the tape that differentiates them.
//
// Every tensor is 2-D, [rows, cols], row-major (a scalar is [1, 1]). An op builds its output and,
// when gradients are on and an input needs one, pushes a backward closure onto the tape right
// beside it (see ops/). `loss.backward()` walks the tape in reverse.
import type { Runtime } from '../gpu/runtime.js';

/** An op's backward: given dL/d(output), accumulates dL/d(input) into its inputs. */
export type BackwardFn = (grad: Tensor) => void;

interface TapeEntry {
  out: Tensor;
  backward: BackwardFn;
  /** The backward for dL/d(output) = 1, when backward() starts from this output (see record). */
  unit?: () => void;
}

let tape: TapeEntry[] = [];
let gradEnabled = true;
const scopes: Set<Tensor>[] = [];

/**
 * A GPU-resident 2-D f32 matrix [rows, cols], row-major (a scalar is [1, 1]), with its gradient
 * where it needs one.
 */
export class Tensor {
  grad: Tensor | null = null;
  /**
   * Where an optimiser wants this parameter's gradient: a view of its slot in the optimiser's
   * gradient arena (src/nn/arena.ts). Ops that can write a gradient in place ask gradTarget().
   */
  gradSlot: Tensor | null = null;
  /** False once an op produced this tensor: only leaves (inputs, parameters) keep gradients. */
  isLeaf = true;
  private disposed = false;

  constructor(
    readonly rt: Runtime,
    readonly buffer: GPUBuffer,
    readonly rows: number,
    readonly cols: number,
    public requiresGrad = false,
  ) {
    scopes[scopes.length - 1]?.add(this);
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get size(): number {
    return this.rows * this.cols;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Returns the buffer to the pool (reused after the next submit). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rt.release(this.buffer);
  }

  /** Reads the values back (after everything recorded so far). */
  async toArray(): Promise<Float32Array> {
    return this.rt.readF32(this.buffer, this.size);
  }

  /** Reverse-mode differentiation from this scalar; gradients accumulate into `.grad` of leaves. */
  backward(): void {
    if (this.size !== 1) throw new Error(`backward: needs a scalar [1, 1], got [${this.shape.join(', ')}]`);
    const start = tape.findIndex((e) => e.out === this);
    if (start < 0) throw new Error('backward: this tensor was not produced by a recorded op (no_grad, or tape cleared)');
    const entries = tape.slice(0, start + 1);
    tape = tape.slice(start + 1);
    // The seed dL/dL = 1: a loss that knows its gradient for it needs no seed tensor (see record).
    const own = entries[start];
    if (own.unit) {
      entries.pop();
      own.unit();
    } else this.grad = fill(this.rt, 1, 1, 1);
    for (let i = entries.length - 1; i >= 0; i--) {
      const { out, backward } = entries[i];
      const g = out.grad;
      if (!g) continue;
      backward(g);
      // An intermediate's gradient is consumed once its own backward ran.
      out.grad = null;
      g.dispose();
    }
  }
}

// ---- tape ---------------------------------------------------------------------------------

/** Runs fn without recording anything (inference). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Whether an op on these inputs must record a backward closure. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  return gradEnabled && inputs.some((t) => t?.requiresGrad);
}

/**
 * Records `backward` for `out` (called by ops). A loss may also give `unit`, its backward for an
 * upstream gradient of exactly 1, run instead when `out.backward()` starts from it: a loss kernel
 * can then write its gradient in the forward pass, and neither a seed tensor nor a dispatch that
 * scales by it is needed.
 */
export function record(out: Tensor, backward: BackwardFn, unit?: () => void): Tensor {
  out.requiresGrad = true;
  out.isLeaf = false;
  tape.push({ out, backward, unit });
  return out;
}

/**
 * The tensor an op should write t's gradient into before accumulate(t, ·): t's slot in an
 * optimiser's gradient arena when it has one and no gradient yet (accumulate then takes it as is,
 * and the optimiser finds it in place), else a new one.
 */
export function gradTarget(t: Tensor): Tensor {
  if (t.gradSlot && t.requiresGrad && !t.grad) return t.gradSlot;
  return empty(t.rt, t.rows, t.cols);
}

/** Adds g into t.grad (taking ownership of g when t had none). Leaves keep their gradient. */
export function accumulate(t: Tensor, g: Tensor): void {
  if (!t.requiresGrad) {
    g.dispose();
    return;
  }
  if (!t.grad) {
    t.grad = g;
    if (t.isLeaf) keep(g); // a leaf's gradient outlives the scope
    return;
  }
  axpyInPlace(t.grad, g, 1);
  g.dispose();
}

// ---- scopes -------------------------------------------------------------------------------

/**
 * Runs fn; every tensor created inside and not returned (nor kept) goes back to the pool at the
 * end. A returned Tensor, or array/object of Tensors, moves to the enclosing scope.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  const tapeLength = tape.length;
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const returned = new Set<Tensor>();
  collect(result, returned);
  for (const t of scope) if (!returned.has(t)) t.dispose();
  for (const t of returned) scopes[scopes.length - 1]?.add(t);
  if (tape.length > tapeLength) tape = tape.filter((e) => !e.out.isDisposed);
  return result;
}

/** Removes t from every open scope: it lives until disposed by hand (parameters, optimiser state). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(x: unknown, into: Set<Tensor>): void {
  if (x instanceof Tensor) into.add(x);
  else if (Array.isArray(x)) for (const v of x) collect(v, into);
  else if (x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype)
    for (const v of Object.values(x)) collect(v, into);
}

// ---- construction (kernels live in ops/; these two are needed by the tape itself) -------------

import { primitive } from './ops/primitives.js';

/** A tensor with a pooled buffer and unspecified contents. */
export function empty(rt: Runtime, rows: number, cols: number, requiresGrad = false): Tensor {
  return new Tensor(rt, rt.acquire(rows * cols * 4), rows, cols, requiresGrad);
}

/** A tensor filled with `value` on the GPU. */
export function fill(rt: Runtime, rows: number, cols: number, value: number): Tensor {
  const t = empty(rt, rows, cols);
  primitive(rt, 'fill', t.size, 0, 1, value, [rt.scratch, rt.scratch], t.buffer);
  return t;
}

/** A tensor holding `data` ([rows, cols], row-major), uploaded. */
export function fromArray(rt: Runtime, data: ArrayLike<number>, rows: number, cols: number, requiresGrad = false): Tensor {
  if (data.length !== rows * cols) throw new Error(`fromArray: ${data.length} values for shape [${rows}, ${cols}]`);
  const t = empty(rt, rows, cols, requiresGrad);
  rt.write(t.buffer, data instanceof Float32Array ? data : Float32Array.from(data));
  return t;
}

function axpyInPlace(y: Tensor, x: Tensor, alpha: number): void {
  primitive(y.rt, 'axpy', y.size, 0, alpha, 0, [x.buffer, x.buffer], y.buffer);
}
