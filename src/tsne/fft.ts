// Batched complex FFTs on the GPU (shaders/fft.wgsl). From N = 4 to 2048 each batch of transforms
// is one dispatch (fft_rows_N, fft_cols_N, generated here: N = N1·N2, the sub-DFTs unrolled in
// registers, one exchange through workgroup memory, in place); otherwise (N = 2, N > 2048, N = 2048
// on a device with less than 32 KiB of workgroup memory) radix-4 Stockham passes with one radix-2
// pass when log2 N is odd, each pass one dispatch from one buffer into another. The FFT-interpolated
// t-SNE repulsion (interpolation.ts) convolves its node grid with the kernel through these.
import { defineFamily, grid1d } from '../gpu/registry.js';
import type { Runtime } from '../gpu/runtime.js';

/** The lengths the one-dispatch kernels (fft_rows_N, fft_cols_N) are generated for. */
export const LINE_NS = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048] as const;

/** N = N1·N2 for the one-dispatch kernels: N1 = 2^⌊log2 N / 2⌋ ≤ N2 = 2^⌈log2 N / 2⌉ (both ≥ 2). */
export function lineSplit(n: number): { n1: number; n2: number } {
  const log = Math.log2(n);
  return { n1: 2 ** Math.floor(log / 2), n2: 2 ** Math.ceil(log / 2) };
}

/**
 * Units (pairs of lines) per workgroup of the one-dispatch kernels: about 64 invocations (P·N2),
 * within 16 KiB of workgroup memory (P·N vec4f), one unit at N = 2048 (32 KiB).
 */
export function lineUnits(n: number): number {
  return Math.max(1, Math.min(Math.floor(1024 / n), Math.floor(64 / lineSplit(n).n2)));
}

/** Workgroup memory the one-dispatch kernel of length n needs, in bytes. */
export const lineTileBytes = (n: number) => (n === 2048 ? 32768 : 16384);

/** An f32 literal for WGSL: the float64 value rounded to float32 once, printed so that it reads back exactly. */
const lit = (v: number) => {
  const f = Math.fround(v);
  return f === 0 ? '0.0' : f.toPrecision(9);
};

/**
 * Straight-line WGSL for the S-point DFT of the vec4f pairs named `inp` (radix-2 decimation in time,
 * unrolled): appends `let` statements to `out` and returns the names of X_0 … X_{S−1}. Constants
 * e^{−2πi k/S} from float64; k = 0 and k = S/4 (1 and −i) exactly, without a product.
 */
function dftCode(inp: string[], tag: string, out: string[]): string[] {
  const s = inp.length;
  if (s === 1) return inp;
  const even = dftCode(inp.filter((_, i) => i % 2 === 0), `${tag}e`, out);
  const odd = dftCode(inp.filter((_, i) => i % 2 === 1), `${tag}o`, out);
  const res = new Array<string>(s);
  for (let k = 0; k < s / 2; k++) {
    const a = (-2 * Math.PI * k) / s;
    const t = k === 0 ? odd[k] : 4 * k === s ? `mul_mi(${odd[k]})` : `cmul_pair(${odd[k]}, vec2f(${lit(Math.cos(a))}, ${lit(Math.sin(a))}))`;
    out.push(`  let ${tag}t${k} = ${t};`);
    out.push(`  let ${tag}${k} = ${even[k]} + ${tag}t${k};`);
    out.push(`  let ${tag}${k + s / 2} = ${even[k]} - ${tag}t${k};`);
    [res[k], res[k + s / 2]] = [`${tag}${k}`, `${tag}${k + s / 2}`];
  }
  return res;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** fft_rows_N and fft_cols_N (see fft.wgsl, "whole transforms in registers and workgroup memory"). */
function linesWgsl(n: number): string {
  const { n1, n2 } = lineSplit(n);
  const units = lineUnits(n);
  const tile = n === 2048 ? 'line_tile_2048' : 'line_tile';
  const half = n / 2; // vec4f per line
  const head = (mode: string) => [
    `@compute @workgroup_size(${units * n2})`,
    `fn fft_${mode}_${n}(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wg: vec3u) {`,
    `  let u = t / ${n2}u;`,
    `  let i = t % ${n2}u;`,
    `  let flip = select(vec4f(1.0), vec4f(1.0, -1.0, 1.0, -1.0), P.inverse == 1u); // conjugate in and out for the inverse`,
    `  let scale = select(1.0, ${lit(1 / n)}, P.inverse == 1u);`,
    `  let slab = wg.y * ${(n * n) / 2}u;`,
  ];
  // Loads `s` pairs (zeros for a line not asked for), conjugated for the inverse, and their DFT.
  const loadDft = (load: (j: number) => string, s: number, out: string[]) => {
    for (const j of range(s)) out.push(`    var x${j} = vec4f(0.0);`);
    out.push(`    if (ok) {`);
    for (const j of range(s)) out.push(`      x${j} = ${load(j)} * flip;`);
    out.push(`    }`);
    const code: string[] = [];
    const res = dftCode(range(s).map((j) => `x${j}`), 'a', code);
    out.push(...code.map((l) => `  ${l}`));
    return res;
  };
  const dft = (s: number, out: string[]) => {
    const code: string[] = [];
    const res = dftCode(range(s).map((j) => `v${j}`), 'b', code);
    out.push(...code.map((l) => `  ${l}`));
    return res;
  };
  // rows: step A takes n1 = 2p, 2p + 1 of row l of its unit; step B k2 = 2p, 2p + 1.
  const rows = head('rows');
  rows.push(
    `  if (i < ${n1}u) {`,
    `    let l = i / ${n1 / 2}u;`,
    `    let p = i % ${n1 / 2}u;`,
    `    let row = wg.x * ${2 * units}u + 2u * u + l;`,
    `    let ok = line_ok(wg.y, row);`,
    `    let g = slab + row * ${half}u + p;`,
  );
  let y = loadDft((j) => `lines[g + ${j * (n1 / 2)}u]`, n2, rows);
  rows.push(`    let s = (2u * u + l) * ${half}u + p * ${n2}u;`);
  for (const k of range(n2)) rows.push(k === 0 ? `    let z0 = ${y[0]};` : `    let z${k} = cmul_pairs(${y[k]}, tw_pairs[${k * (n1 / 2)}u + p]);`);
  // Row n1 = 2p of the unit's line holds the .xy halves, row 2p + 1 the .zw halves, k2 pairs adjacent.
  for (let k = 0; k < n2; k += 2) {
    rows.push(`    ${tile}[s + ${k / 2}u] = vec4f(z${k}.xy, z${k + 1}.xy);`);
    rows.push(`    ${tile}[s + ${n2 / 2 + k / 2}u] = vec4f(z${k}.zw, z${k + 1}.zw);`);
  }
  rows.push(
    `  }`,
    `  workgroupBarrier();`,
    `  {`,
    `    let l = i / ${n2 / 2}u;`,
    `    let p = i % ${n2 / 2}u;`,
    `    let row = wg.x * ${2 * units}u + 2u * u + l;`,
    `    let s = (2u * u + l) * ${half}u + p;`,
  );
  for (const j of range(n1)) rows.push(`    let v${j} = ${tile}[s + ${j * (n2 / 2)}u];`);
  let x = dft(n1, rows);
  rows.push(`    if (line_ok(wg.y, row)) {`, `      let g = slab + row * ${half}u + p;`);
  for (const k of range(n1)) rows.push(`      lines[g + ${k * (n2 / 2)}u] = ${x[k]} * flip * scale;`);
  rows.push(`    }`, `  }`, `}`);
  // cols: a unit is the column pair c, c + 1; step A takes n1 = i, step B k2 = i.
  const cols = head('cols');
  cols.push(`  let c = wg.x * ${2 * units}u + 2u * u;`, `  let ok = line_ok(wg.y, c);`, `  let g = slab + c / 2u;`, `  if (i < ${n1}u) {`);
  y = loadDft((j) => `lines[g + (i + ${j * n1}u) * ${half}u]`, n2, cols);
  cols.push(`    let s = u * ${n}u + i * ${n2}u;`);
  for (const k of range(n2)) cols.push(`    ${tile}[s + ${k}u] = ${k === 0 ? y[0] : `cmul_pair(${y[k]}, twiddle[${k * n1}u + i])`};`);
  cols.push(`  }`, `  workgroupBarrier();`, `  {`, `    let s = u * ${n}u + i;`);
  for (const j of range(n1)) cols.push(`    let v${j} = ${tile}[s + ${j * n2}u];`);
  x = dft(n1, cols);
  cols.push(`    if (ok) {`);
  for (const k of range(n1)) cols.push(`      lines[g + (i + ${k * n2}u) * ${half}u] = ${x[k]} * flip * scale;`);
  cols.push(`    }`, `  }`, `}`);
  return [...rows, '', ...cols, ''].join('\n');
}

type LineEntry = `fft_${'rows' | 'cols'}_${(typeof LINE_NS)[number]}`;
const lineEntries = Object.fromEntries(LINE_NS.flatMap((n) => [`fft_rows_${n}`, `fft_cols_${n}`].map((e) => [e, ['uniform', 'rw', 'read'] as const]))) as Record<LineEntry, readonly ['uniform', 'rw', 'read']>;

/** shaders/fft.wgsl, with the one-dispatch kernels generated here. */
export const fftFamily = defineFamily(
  'fft',
  {
    stockham_r4: ['uniform', 'read', 'read', 'rw'],
    stockham_r2: ['uniform', 'read', 'read', 'rw'],
    mul_spectrum: ['uniform', 'read', 'rw'],
    ...lineEntries,
  },
  { n: 'u32', ns: 'u32', batches: 'u32', inner: 'u32', inverse: 'u32', scale: 'f32', count: 'u32', per_slab: 'u32' },
  '\n' + LINE_NS.map(linesWgsl).join('\n'),
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

/** The one-dispatch kernels' table: T[k2·N1 + n1] = e^{−2πi n1·k2/n} (n = N1·N2, lineSplit), rounded once from float64. */
export function lineTwiddleTable(n: number): Float32Array {
  const { n1, n2 } = lineSplit(n);
  const t = new Float32Array(2 * n);
  for (let k2 = 0; k2 < n2; k2++)
    for (let j = 0; j < n1; j++) {
      const a = (-2 * Math.PI * ((j * k2) % n)) / n;
      t[2 * (k2 * n1 + j)] = Math.cos(a);
      t[2 * (k2 * n1 + j) + 1] = Math.sin(a);
    }
  return t;
}

const tables = new WeakMap<Runtime, Map<string, GPUBuffer>>();

/** A twiddle table of length n on this runtime's device (the passes' or, `lines`, the one-dispatch kernels'), built once and kept for the device's life. */
function twiddles(rt: Runtime, n: number, lines = false): GPUBuffer {
  let byN = tables.get(rt);
  if (!byN) tables.set(rt, (byN = new Map()));
  const key = `${lines ? 'lines' : 'passes'} ${n}`;
  let b = byN.get(key);
  if (!b) {
    b = rt.device.createBuffer({ size: Math.max(256, 8 * n), usage: 0x80 | 0x8, label: `fft twiddles ${key}` }); // STORAGE | COPY_DST
    rt.write(b, lines ? lineTwiddleTable(n) : twiddleTable(n));
    byN.set(key, b);
  }
  return b;
}

/** Whether transforms of length n run in one dispatch on this device (fft_rows_N, fft_cols_N) rather than one per stage. */
export function fitsOneDispatch(rt: Runtime, n: number): boolean {
  return (LINE_NS as readonly number[]).includes(n) && rt.device.limits.maxComputeWorkgroupStorageSize >= lineTileBytes(n);
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
 * inverse scaled by 1/n): returns the buffer that holds the result. Where fitsOneDispatch, in place
 * in `a` in one dispatch (`b` unused; columns need an even perSlab, their pairs share loads);
 * otherwise ping-ponging between `a` and `b` (same size), the result in `a` after an even number of
 * stages, in `b` after an odd one (fftPassesInto); `a` for n = 1.
 */
export function fftInto(rt: Runtime, shape: FftShape, a: GPUBuffer, b: GPUBuffer, inverse = false): GPUBuffer {
  const { n, batches } = shape;
  const inner = shape.inner ?? 1;
  const perSlab = shape.perSlab ?? (inner === 1 ? Math.max(1, batches) : n);
  if (fitsOneDispatch(rt, n) && (inner === 1 || perSlab % 2 === 0)) {
    const groups: [number, number] = [Math.ceil(perSlab / (2 * lineUnits(n))), Math.ceil(batches / perSlab)];
    if (groups[0] <= 65535 && groups[1] <= 65535) {
      if (batches > 0) {
        const u = fftFamily.params({ n, batches, inner, inverse: inverse ? 1 : 0, per_slab: perSlab });
        const k = inner === 1 ? K[`fft_rows_${n}` as LineEntry] : K[`fft_cols_${n}` as LineEntry];
        rt.dispatch(k, [u, a, twiddles(rt, n, true)], groups);
      }
      return a;
    }
  }
  return fftPassesInto(rt, shape, a, b, inverse);
}

/** fftInto by one dispatch per stage, ping-ponging between `a` and `b`, whatever n (see fftInto). */
export function fftPassesInto(rt: Runtime, shape: FftShape, a: GPUBuffer, b: GPUBuffer, inverse = false): GPUBuffer {
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
 * The 2-D FFT of each of `slabs` [n, n] complex grids in `a`, in place in `a`; `b` (same size) is
 * scratch, used only where !fitsOneDispatch (the stage-per-dispatch FFT ping-pongs through it).
 * `used` < n prunes what the convolution does not need: the row transforms of zero rows (forward)
 * and of rows it does not keep (inverse), the FFT work ×(1 + used/n)/2 each way. Forward: only
 * rows < used of the input may be non-zero; only their row transforms run, so rows ≥ used must
 * hold zeros in `a` and, by passes when fftPasses(n) is odd in number (the row passes then end
 * in `b`), in `b` too. Inverse: only rows < used of the output are computed.
 * Where fitsOneDispatch: two dispatches, the row transforms then the column transforms (the inverse:
 * columns, then rows), each whole transform in workgroup memory.
 */
export function fft2dInto(rt: Runtime, n: number, slabs: number, a: GPUBuffer, b: GPUBuffer, inverse = false, used = n): void {
  if (!fitsOneDispatch(rt, n)) return fft2dPassesInto(rt, n, slabs, a, b, inverse, used);
  const rows = () => fftInto(rt, { n, batches: slabs * used, inner: 1, perSlab: used }, a, b, inverse);
  const cols = () => fftInto(rt, { n, batches: slabs * n, inner: n, perSlab: n }, a, b, inverse);
  // The inverse's column transforms all run (each row transform needs every column); only the
  // rows it keeps are then transformed.
  const out = inverse ? (cols(), rows()) : (rows(), cols());
  if (out !== a) throw new Error('fft2dInto: the transforms did not end in the first buffer'); // in place: cannot happen
}

/** fft2dInto by one dispatch per stage (fftPassesInto), whatever n: see fft2dInto for `b` and `used`. */
export function fft2dPassesInto(rt: Runtime, n: number, slabs: number, a: GPUBuffer, b: GPUBuffer, inverse = false, used = n): void {
  const odd = fftPasses(n).length % 2 === 1;
  const rows = (count: number, from: GPUBuffer, to: GPUBuffer) => fftPassesInto(rt, { n, batches: slabs * count, inner: 1, perSlab: count }, from, to, inverse);
  const cols = (count: number, from: GPUBuffer, to: GPUBuffer) => fftPassesInto(rt, { n, batches: slabs * count, inner: n, perSlab: count }, from, to, inverse);
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
