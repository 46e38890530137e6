// Buffers with guard zones, for the tests of kernels without Dawn's bounds checks: an output's room
// past its logical end holds a sentinel (a write past the end shows as a changed sentinel), an
// input's holds NaN (a read past the end that reaches a result shows as a NaN).
import { expect } from 'vitest';
import type { Runtime } from '../src/gpu/runtime.js';
import { expectClose } from './helpers.js';

/** The f32 every output slot past the logical end must still hold. */
export const SENTINEL = -1234.5;
/** The u32 every u32 output slot past the logical end must still hold. */
export const SENTINEL_U32 = 0xdeadbeef;
/** Guard floats past the logical end (the pool's 256-byte rounding may add more). */
const GUARD = 64;

/** Creates guarded buffers on one runtime and releases them all at once. */
export class Guarded {
  private buffers: GPUBuffer[] = [];
  constructor(private rt: Runtime) {}

  private make(count: number, fill: Float32Array | Uint32Array, data?: ArrayLike<number>, at = 0): GPUBuffer {
    const b = this.rt.acquire((at + count + GUARD) * 4);
    this.buffers.push(b);
    const all = fill instanceof Float32Array ? new Float32Array(b.size / 4).fill(fill[0]) : new Uint32Array(b.size / 4).fill(fill[0]);
    if (data) all.set(data, at);
    this.rt.write(b, all);
    return b;
  }

  /** An f32 input holding `data`, NaN after it. */
  input(data: ArrayLike<number>): GPUBuffer {
    return this.make(data.length, Float32Array.of(NaN), data);
  }

  /** A u32 input holding `data`, 0xffffffff (an index past any end) after it. */
  inputU32(data: ArrayLike<number>): GPUBuffer {
    return this.make(data.length, Uint32Array.of(0xffffffff), data);
  }

  /** An f32 output of `count` values (from element `at`; sentinels before and after), optionally preset to `data`. */
  output(count: number, data?: ArrayLike<number>, at = 0): GPUBuffer {
    return this.make(count, Float32Array.of(SENTINEL), data, at);
  }

  /** A u32 output of `count` values (from element `at`), optionally preset to `data`. */
  outputU32(count: number, data?: ArrayLike<number>, at = 0): GPUBuffer {
    return this.make(count, Uint32Array.of(SENTINEL_U32), data, at);
  }

  /**
   * Reads the whole buffer: elements [at, at + ref.length) must match `ref` within `tol`, every
   * other element must still be the sentinel. Returns the logical values.
   */
  async expectF32(b: GPUBuffer, ref: ArrayLike<number>, tol: { atol: number; rtol: number }, what: string, at = 0): Promise<Float32Array> {
    const all = await this.rt.readF32(b, b.size / 4);
    const ours = all.subarray(at, at + ref.length);
    expectClose(ours, ref, tol, what);
    expectUntouched(all, at, ref.length, SENTINEL, what);
    return ours;
  }

  /** As expectF32 for u32 outputs, compared exactly. */
  async expectU32(b: GPUBuffer, ref: ArrayLike<number>, what: string, at = 0): Promise<Uint32Array> {
    const all = await this.rt.readU32(b, b.size / 4);
    const ours = all.subarray(at, at + ref.length);
    expect(Array.from(ours), what).toEqual(Array.from(ref));
    expectUntouched(all, at, ref.length, SENTINEL_U32, what);
    return ours;
  }

  /** Returns every buffer made so far to the pool. */
  release(): void {
    for (const b of this.buffers.splice(0)) this.rt.release(b);
  }
}

/** Every element outside [at, at + count) still holds the sentinel. */
function expectUntouched(all: Float32Array | Uint32Array, at: number, count: number, sentinel: number, what: string): void {
  for (let i = 0; i < all.length; i++) {
    if (i >= at && i < at + count) continue;
    if (all[i] !== sentinel) {
      expect.fail(`${what}: element ${i} (logical range [${at}, ${at + count}) of ${all.length}) was written: ${all[i]}`);
    }
  }
}
