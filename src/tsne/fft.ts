// Batched complex FFTs on the GPU (shaders/fft.wgsl): radix-4 Stockham passes, one radix-2 pass
// when log2 N is odd, each pass one dispatch from one buffer into another. The FFT-interpolated
// t-SNE repulsion (interpolation.ts) convolves its node grid with the kernel through these.
import { defineFamily, grid1d } from '../gpu/registry.js';
import type { Runtime } from '../gpu/runtime.js';

/** shaders/fft.wgsl. */
export const fftFamily = defineFamily(
  'fft',
  {
    stockham_r4: ['uniform', 'read', 'read', 'rw'],
    stockham_r2: ['uniform', 'read', 'read', 'rw'],
    mul_spectrum: ['uniform', 'read', 'rw'],
  },
  { n: 'u32', ns: 'u32', batches: 'u32', inner: 'u32', inverse: 'u32', scale: 'f32', count: 'u32', per_slab: 'u32' },
);

const K = fftFamily.kernels;

/** The radices of the passes for length n: 4s, then a 2 when log2 n is odd ([] for n = 1). */
export function fftPasses(n: number): number[] {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) throw new Error(`FFT length must be a power of two; got ${n}`);
  const log = Math.log2(n);
  return [...Array<number>(Math.floor(log / 2)).fill(4), ...(log % 2 ? [2] : [])];
}

/** e^{−2πi k/n}, k < n, as (re, im) pairs, rounded once from float64. */
export function twiddleTable(n: number): Float32Array {
  const t = new Float32Array(2 * n);
  for (let k = 0; k < n; k++) {
    const a = (-2 * Math.PI * k) / n;
    t[2 * k] = Math.cos(a);
    t[2 * k + 1] = Math.sin(a);
  }
  return t;
}

const tables = new WeakMap<Runtime, Map<number, GPUBuffer>>();

/** The twiddle table of length n on this runtime's device, built once and kept for the device's life. */
function twiddles(rt: Runtime, n: number): GPUBuffer {
  let byN = tables.get(rt);
  if (!byN) tables.set(rt, (byN = new Map()));
  let b = byN.get(n);
  if (!b) {
    b = rt.device.createBuffer({ size: Math.max(256, 8 * n), usage: 0x80 | 0x8, label: `fft twiddles ${n}` }); // STORAGE | COPY_DST
    rt.write(b, twiddleTable(n));
    byN.set(n, b);
  }
  return b;
}

/** What one batched transform runs over: `batches` transforms of length n, elements `inner` apart (see fft.wgsl). */
export interface FftShape {
  n: number;
  batches: number;
  /** 1: rows; n: columns of [n, n] slabs. */
  inner?: number;
  /** Transforms per [n, n] slab: the first perSlab rows (inner 1) or columns (inner n) of each. Default: all of a slab's (n), or every batch for rows without slabs. */
  perSlab?: number;
}

/**
 * The batched 1-D FFT of `a` ([batches, n] complex, or strided columns), forward or inverse (the
 * inverse scaled by 1/n), ping-ponging between `a` and `b` (same size): returns the buffer that
 * holds the result (`a` after an even number of passes, `b` after an odd one; `a` for n = 1).
 */
export function fftInto(rt: Runtime, shape: FftShape, a: GPUBuffer, b: GPUBuffer, inverse = false): GPUBuffer {
  const { n, batches } = shape;
  const inner = shape.inner ?? 1;
  const perSlab = shape.perSlab ?? (inner === 1 ? Math.max(1, batches) : n);
  const passes = fftPasses(n);
  const tw = twiddles(rt, n);
  let [from, to] = [a, b];
  let ns = 1;
  passes.forEach((radix, i) => {
    const last = i === passes.length - 1;
    const u = fftFamily.params({ n, ns, batches, inner, inverse: inverse ? 1 : 0, scale: inverse && last ? 1 / n : 1, per_slab: perSlab });
    rt.dispatch(radix === 4 ? K.stockham_r4 : K.stockham_r2, [u, from, tw, to], grid1d((n / radix) * batches));
    ns *= radix;
    [from, to] = [to, from];
  });
  return from;
}

/**
 * The 2-D FFT of each of `slabs` [n, n] complex grids in `a`, in place in `a` (the passes along
 * both dimensions are equal in number, so the ping-pong through `b` ends in `a`).
 * `used` < n prunes what the convolution does not need: the row transforms of zero rows (forward)
 * and of rows it does not keep (inverse), the FFT work ×(1 + used/n)/2 each way. Forward: only
 * rows < used of the input may be non-zero; only their row transforms run, so rows ≥ used must
 * hold zeros in `a` and, when fftPasses(n) is odd in number (the row passes then end in `b`), in
 * `b` too (the spread writes both). Inverse: only rows < used of the output are computed.
 */
export function fft2dInto(rt: Runtime, n: number, slabs: number, a: GPUBuffer, b: GPUBuffer, inverse = false, used = n): void {
  const odd = fftPasses(n).length % 2 === 1;
  const rows = (count: number, from: GPUBuffer, to: GPUBuffer) => fftInto(rt, { n, batches: slabs * count, inner: 1, perSlab: count }, from, to, inverse);
  const cols = (count: number, from: GPUBuffer, to: GPUBuffer) => fftInto(rt, { n, batches: slabs * count, inner: n, perSlab: count }, from, to, inverse);
  const mid = odd ? b : a;
  // The inverse's column transforms all run (each row transform needs every column); only the
  // rows it keeps are then transformed.
  const out = inverse ? (cols(n, a, b), rows(used, mid, mid === a ? b : a)) : (rows(used, a, b), cols(n, mid, mid === a ? b : a));
  if (out !== a) throw new Error('fft2dInto: the passes did not end in the first buffer'); // equal pass counts: cannot happen
}

/** slabs[s] ← slabs[s] ⊙ spectrum for each of `batches` slabs of `count` complex values (in place). */
export function mulSpectrumInto(rt: Runtime, spectrum: GPUBuffer, slabs: GPUBuffer, count: number, batches: number): void {
  rt.dispatch(K.mul_spectrum, [fftFamily.params({ count, batches }), spectrum, slabs], grid1d(count * batches));
}
