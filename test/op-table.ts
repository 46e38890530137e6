// The op table (tinygrad's helper_test_op, as a table): one entry per op of the engine or fused
// kernel pass, saying which registered entry points it dispatches, how to run it against its
// float64 reference at a shape, and its finite-difference gradient checks where it has a backward.
// ops.test.ts runs every entry at odd shapes and its gradient checks, and fails when a registered
// entry point has no entry; robustness.test.ts runs every entry at the edge shapes (partial
// workgroups, one row, one column), without Dawn's bounds checks. Every check writes into guarded
// buffers (sentinel.ts): a sentinel past every output, NaN past every input.
import { expect } from 'vitest';
import type { Runtime } from '../src/gpu/runtime.js';
import { grid1d } from '../src/gpu/registry.js';
import { FAMILIES as F, type FamilyName } from './families.js';
import { elementwise, type ElementwiseEntry } from '../src/tensor/ops/elementwise.js';
import { primitive, type PrimitiveEntry } from '../src/tensor/ops/primitives.js';

/** An entry of the op table's shader or of the primitives'. */
type PointwiseEntry = ElementwiseEntry | PrimitiveEntry;
const PRIMITIVES: readonly string[] = ['axpy', 'bias_add', 'broadcast_row', 'broadcast_col', 'broadcast_all', 'fill'] satisfies PrimitiveEntry[];
const isPrimitive = (e: PointwiseEntry): e is PrimitiveEntry => PRIMITIVES.includes(e);
import { AUGMENT_SALT, augmentDraws as hostDraws, warpInto, warpTable } from '../src/tensor/ops/augment.js';
import { matmulInto, type MatmulImpl } from '../src/tensor/ops/matmul.js';
import { sumRowsRaw } from '../src/tensor/ops/reduce.js';
import { availableMatmulKernels } from '../src/tensor/ops/matmul-classes.js';
import { add, biasAdd, dropout, DropoutRng, fromArray, keep, matmul, mean, mseLoss, relu, scale, sub, sum, type Tensor } from '../src/tensor/index.js';
import { klLoss, klRowsInto, softAssignInto, targetInto } from '../src/dec/dec-ops.js';
import { Adam, Sgd } from '../src/nn/optim.js';
import { affinitiesInto, conditionalAffinitiesInto, squaredDistancesInto, sumInto } from '../src/tsne/tsne.js';
import { tsneKnnFamily } from '../src/tsne/knn.js';
import { sparseFamily } from '../src/tsne/sparse.js';
import { calibrationAt, conditionalRef, knnRef, pointsWithTies } from './knn-reference.js';
import { gradcheck, type Input } from './gradcheck.js';
import { expectClose, matmulRef, randomArray } from './helpers.js';
import type { Guarded } from './sentinel.js';
import { FFT_OPS } from './op-table-fft.js';

/** A registered entry point, `family.entry`. */
export type EntryName = `${FamilyName}.${string}`;

export interface OpEntry {
  name: string;
  /** The registered entry points `check` dispatches (ops.test.ts checks that it does). */
  kernels: EntryName[];
  /** The shapes of the op tests (odd sizes) and of the robustness tests (edge sizes). */
  odd: number[][];
  edge: number[][];
  /** Runs the op at `shape` on buffers from `g` and checks every output against its float64 reference. */
  check: (rt: Runtime, g: Guarded, shape: number[]) => Promise<void>;
  /** Its finite-difference gradient checks by name, or why it has none. */
  grad: Record<string, (rt: Runtime) => Promise<void>> | { none: string };
}

const exact = { atol: 1e-6, rtol: 1e-6 };
const close = { atol: 1e-6, rtol: 1e-5 };
const sumTol = (terms: number) => ({ atol: 1e-6 * Math.max(1, Math.sqrt(terms)), rtol: 1e-5 });

/** [rows, cols] of the elementwise ops and reductions. */
const ODD: number[][] = [
  [1, 1],
  [7, 13],
  [255, 257],
];
/** Single elements, single rows and columns, partial workgroups of 64 and 256. */
const EDGE: number[][] = [
  [1, 1],
  [1, 7],
  [7, 1],
  [1, 63],
  [65, 1],
  [9, 7],
  [1, 257],
  [257, 3],
];
const sizes = (...n: number[]) => n.map((v) => [v]);

/** Values away from 0 by at least 0.1, so ReLU kinks stay clear of finite-difference steps. */
function awayFromZero(n: number, seed: string): Float32Array {
  return randomArray(n, seed).map((v) => (v >= 0 ? 0.1 + v : -0.1 + v));
}
const input = (rows: number, cols: number, seed: string): Input => ({ rows, cols, data: awayFromZero(rows * cols, seed) });
/** A fixed random target turns any output into a scalar loss for the gradient checks. */
const head = (y: Tensor, seed: string): Tensor => mseLoss(y, fromArray(y.rt, randomArray(y.size, seed), y.rows, y.cols));

/** Σ_t (x[i, t] − y[j, t])² in float64. */
function sqDist(x: ArrayLike<number>, i: number, y: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) s += (x[i * d + t] - y[j * d + t]) ** 2;
  return s;
}

/** One elementwise entry on `rows × cols` against its reference (inputs the entry does not read: scratch). */
async function elementwiseCase(rt: Runtime, g: Guarded, [rows, cols]: number[], entry: PointwiseEntry): Promise<void> {
  const n = rows * cols;
  const [a, b, prev] = ['a', 'b', 'prev'].map((s) => randomArray(n, `${s}${rows}x${cols}`));
  const row = randomArray(cols, `row${cols}`);
  const col = randomArray(rows, `col${rows}`);
  const [alpha, beta] = [-1.5, 0.25];
  const cases: Record<PointwiseEntry, { inputs: (Float32Array | null)[]; preset?: Float32Array; ref: (i: number) => number }> = {
    add: { inputs: [a, b], ref: (i) => a[i] + alpha * b[i] },
    axpy: { inputs: [a, null], preset: prev, ref: (i) => prev[i] + alpha * a[i] },
    scale: { inputs: [a, a], ref: (i) => alpha * a[i] },
    relu: { inputs: [a, a], ref: (i) => Math.max(a[i], 0) },
    relu_grad: { inputs: [a, b], ref: (i) => (b[i] > 0 ? a[i] : 0) },
    bias_add: { inputs: [a, row], ref: (i) => a[i] + row[i % cols] },
    broadcast_row: { inputs: [row, row], ref: (i) => alpha * row[i % cols] },
    broadcast_col: { inputs: [col, col], ref: (i) => alpha * col[Math.floor(i / cols)] },
    broadcast_all: { inputs: [a.subarray(0, 1), null], ref: () => alpha * a[0] },
    fill: { inputs: [null, null], ref: () => beta },
  };
  const c = cases[entry];
  const [x, y] = c.inputs.map((v) => (v ? g.input(v) : rt.scratch));
  const out = g.output(n, c.preset);
  if (isPrimitive(entry)) primitive(rt, entry, n, cols, alpha, beta, [x, y], out);
  else elementwise(rt, entry, n, cols, alpha, beta, [x, y], out);
  await g.expectF32(out, Array.from({ length: n }, (_, i) => c.ref(i)), exact, `${entry} ${rows}x${cols}`);
}

const elementwiseEntry = (name: string, entries: PointwiseEntry[], grad: OpEntry['grad']): OpEntry => ({
  name,
  kernels: entries.map((e): EntryName => (isPrimitive(e) ? `primitives.${e}` : `elementwise.${e}`)),
  odd: ODD,
  edge: EDGE,
  check: async (rt, g, shape) => {
    for (const e of entries) await elementwiseCase(rt, g, shape, e);
  },
  grad,
});

/** The dropout mask's uniform of element i, as dropout.wgsl computes it. */
export function dropoutU(i: number, salt: number, seed: number, step: number): number {
  const pcg = (v: number) => {
    const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
    const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
    return ((word >>> 22) ^ word) >>> 0;
  };
  return (pcg((i ^ pcg((salt ^ pcg((step ^ pcg(seed)) >>> 0)) >>> 0)) >>> 0) >>> 8) / 16777216;
}

// ---- augmentation -----------------------------------------------------------------------------

/** Images x [rows, h·w] warped by T [rows, 3] (θ radians, t_x, t_y pixels), bilinear, zero outside, in float64. */
export function warpRef(x: ArrayLike<number>, rows: number, h: number, w: number, T: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows * h * w);
  const [cx, cy] = [(w - 1) / 2, (h - 1) / 2];
  for (let r = 0; r < rows; r++) {
    const [theta, tx, ty] = [T[3 * r], T[3 * r + 1], T[3 * r + 2]];
    const px = (xi: number, yi: number) => (xi < 0 || yi < 0 || xi >= w || yi >= h ? 0 : x[r * h * w + yi * w + xi]);
    for (let e = 0; e < h * w; e++) {
      const [dx, dy] = [(e % w) - cx - tx, Math.floor(e / w) - cy - ty];
      const sx = Math.cos(theta) * dx + Math.sin(theta) * dy + cx;
      const sy = -Math.sin(theta) * dx + Math.cos(theta) * dy + cy;
      const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
      const [fx, fy] = [sx - x0, sy - y0];
      out[r * h * w + e] = (1 - fy) * ((1 - fx) * px(x0, y0) + fx * px(x0 + 1, y0)) + fy * ((1 - fx) * px(x0, y0 + 1) + fx * px(x0 + 1, y0 + 1));
    }
  }
  return out;
}

/** The warps augment draws (src/tensor/ops/augment.ts) as T [rows, 3] (θ, t_x, t_y). */
export function augmentDraws(rows: number, h: number, w: number, rotate: number, shift: number, seed: number, step: number, salt = AUGMENT_SALT, offset = 0): Float64Array {
  return Float64Array.from(hostDraws(rows, { h, w, rotate, shift, salt, offset }, seed, step).flatMap((d) => [d.theta, d.tx, d.ty]));
}

/** The kernel's table ([rows, 4]: cos θ, sin θ, t_x, t_y) for T [rows, 3]. */
function table(T: ArrayLike<number>): number[] {
  return Array.from(warpTable(Array.from({ length: T.length / 3 }, (_, r) => ({ theta: T[3 * r], tx: T[3 * r + 1], ty: T[3 * r + 2] }))));
}

/**
 * [rows, h, w]: given warps (identity, a quarter turn, a whole-pixel shift, then any). cos θ and
 * sin θ come from the host (float64, rounded once), so the kernel is within f32 rounding of the
 * float64 warp on every driver: 1e-5. (augment.test.ts ties augment's draws to the same map.)
 */
async function augmentCase(rt: Runtime, g: Guarded, [rows, h, w]: number[]): Promise<void> {
  const x = randomArray(rows * h * w, `img${rows}${h}${w}`, 0, 1);
  const T = Array.from(randomArray(rows * 3, `T${rows}`, -1, 1), (v, e) => (e % 3 === 0 ? 0.3 * v : 2.5 * v));
  if (rows > 0) T.splice(0, 3, 0, 0, 0);
  if (rows > 1) T.splice(3, 3, Math.PI / 2, 0, 0);
  if (rows > 2) T.splice(6, 3, 0, 2, -1);
  const xb = g.input(x);
  const warped = g.output(rows * h * w);
  warpInto(rt, xb, g.input(table(T)), rows, h, w, warped);
  await g.expectF32(warped, warpRef(x, rows, h, w, T), { atol: 1e-5, rtol: 1e-5 }, 'warp');
}

// ---- matrix products -------------------------------------------------------------------------

type MatFlags = { transA: boolean; transB: boolean; bias?: boolean; relu?: boolean; mask?: 'A' | 'B' };
const transposes: MatFlags[] = [
  { transA: false, transB: false },
  { transA: true, transB: false },
  { transA: false, transB: true },
  { transA: true, transB: true },
];
// The fused reads (bias, masks) in the combinations matmul.test.ts compiles for scalar and vec4
// loads, so that a run of the whole suite finds most of their pipelines in Mesa's shader cache.
const fusedFlags = (vec4: boolean): MatFlags[] =>
  vec4
    ? [
        { transA: false, transB: true, mask: 'A' },
        { transA: true, transB: false, mask: 'B' },
      ]
    : [
        { transA: false, transB: false, bias: true, relu: true },
        { transA: false, transB: false, mask: 'A' },
        { transA: true, transB: false, mask: 'B' },
      ];
const PLAIN = 0;
const FUSED = 1;
const SPLIT_K = 2;

async function product(rt: Runtime, g: Guarded, impl: MatmulImpl, M: number, N: number, K: number, f: MatFlags): Promise<void> {
  const a = randomArray(M * K, `ma${M}${K}`);
  const b = randomArray(K * N, `mb${K}${N}`);
  const bias = randomArray(N, `mbias${N}`);
  const mask = randomArray(f.mask === 'A' ? M * K : K * N, 'mmask');
  const c = g.output(M * N);
  const maskBuf = f.mask ? g.input(mask) : undefined;
  const flags = { transA: f.transA, transB: f.transB, relu: f.relu, bias: f.bias ? g.input(bias) : undefined };
  matmulInto(rt, g.input(a), g.input(b), c, M, N, K, { ...flags, maskA: f.mask === 'A' ? maskBuf : undefined, maskB: f.mask === 'B' ? maskBuf : undefined }, impl);
  const ref = matmulRef(a, b, M, N, K, { ...f, bias: f.bias ? bias : undefined, maskA: f.mask === 'A' ? mask : undefined, maskB: f.mask === 'B' ? mask : undefined });
  await g.expectF32(c, ref, { atol: 1e-5 * Math.max(1, K / 16), rtol: 1e-4 }, `${impl} ${M}x${N}x${K} ${JSON.stringify(f)}`);
}

/** [M, N, K, variant]: every kernel and transpose; FUSED adds bias and masks; SPLIT_K forces split-K. */
async function products(rt: Runtime, g: Guarded, [M, N, K, variant]: number[]): Promise<void> {
  const impls: MatmulImpl[] = [...availableMatmulKernels(rt.gpu), 'scalar', 'naive'];
  if (variant === SPLIT_K) {
    const was = rt.splitK;
    rt.splitK = true;
    try {
      const epilogue: MatFlags = { transA: false, transB: false, bias: true, relu: true };
      for (const impl of impls.filter((i) => i !== 'naive')) for (const f of [epilogue, transposes[3]]) await product(rt, g, impl, M, N, K, f);
    } finally {
      rt.splitK = was;
    }
    return;
  }
  const vec4 = M % 4 === 0 && N % 4 === 0 && K % 4 === 0;
  for (const impl of impls) for (const f of [...transposes, ...(variant === FUSED ? fusedFlags(vec4) : [])]) await product(rt, g, impl, M, N, K, f);
}

// ---- DEC -------------------------------------------------------------------------------------

/** Eqs. (1)–(5) at [n, d, k]: q, w, f, p, hard, the KL rows, the loss and both gradients. */
async function decCase(rt: Runtime, g: Guarded, [n, d, k]: number[]): Promise<void> {
  const alpha = 1;
  const z = randomArray(n * d, `dz${n}${d}`, -2, 2);
  const mu = randomArray(k * d, `dmu${k}${d}`, -2, 2);
  const [zb, mub] = [g.input(z), g.input(mu)];
  const [q, w, f, p, rows, loss, dz, dmu] = [g.output(n * k), g.output(n * k), g.output(k), g.output(n * k), g.output(n), g.output(1), g.output(n * d), g.output(k * d)];
  const hard = g.outputU32(n);
  softAssignInto(rt, zb, mub, n, d, k, alpha, q, w);
  targetInto(rt, q, n, k, f, p, hard);
  klRowsInto(rt, p, q, n, k, rows);
  // The loss and gradient kernels with klLoss's bindings and grids; upstream gradient 2, scale 1/n.
  const u = F.dec.params({ n, d, k, alpha, scale: 1 / n });
  rt.dispatch(F.dec.kernels.kl_loss, [u, zb, mub, p, q, w, rt.scratch, loss], [1]);
  const up = g.input([2]);
  rt.dispatch(F.dec.kernels.kl_grad_z, [u, zb, mub, p, q, w, up, dz], grid1d(n));
  rt.dispatch(F.dec.kernels.kl_grad_mu, [u, zb, mub, p, q, w, up, dmu], [Math.ceil(d / 64), k]);

  // Eqs. (1) and (3) in float64.
  const wRef = new Float64Array(n * k);
  const qRef = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < k; j++) {
      wRef[i * k + j] = 1 / (1 + sqDist(z, i, mu, j, d) / alpha);
      qRef[i * k + j] = wRef[i * k + j] ** ((alpha + 1) / 2);
      total += qRef[i * k + j];
    }
    for (let j = 0; j < k; j++) qRef[i * k + j] /= total;
  }
  const qs = await g.expectF32(q, qRef, close, 'q');
  await g.expectF32(w, wRef, close, 'w');
  const fRef = new Float64Array(k);
  qs.forEach((v, e) => (fRef[e % k] += v));
  await g.expectF32(f, fRef, { atol: 1e-5, rtol: 1e-5 }, 'f');
  const pRef = new Float64Array(n * k);
  const hardRef = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < k; j++) total += qs[i * k + j] ** 2 / fRef[j];
    for (let j = 0; j < k; j++) {
      pRef[i * k + j] = qs[i * k + j] ** 2 / fRef[j] / total;
      if (qs[i * k + j] > qs[i * k + hardRef[i]]) hardRef[i] = j;
    }
  }
  const ps = await g.expectF32(p, pRef, close, 'p');
  await g.expectU32(hard, hardRef, 'hard');
  // Eq. (2) per row, eqs. (4) and (5), from the kernels' own p and q.
  const rowRef = new Float64Array(n);
  const dzRef = new Float64Array(n * d);
  const dmuRef = new Float64Array(k * d);
  const c = (2 * (1 / n) * (alpha + 1)) / alpha;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) {
      const e = i * k + j;
      if (ps[e] > 0) rowRef[i] += ps[e] * Math.log(ps[e] / qs[e]);
      for (let t = 0; t < d; t++) {
        const term = wRef[e] * (ps[e] - qs[e]) * (z[i * d + t] - mu[j * d + t]);
        dzRef[i * d + t] += c * term;
        dmuRef[j * d + t] -= c * term;
      }
    }
  const sumTolD = { atol: 1e-5, rtol: 1e-4 };
  await g.expectF32(rows, rowRef, sumTolD, 'KL rows');
  await g.expectF32(loss, [rowRef.reduce((a, v) => a + v, 0) / n], sumTolD, 'KL loss');
  await g.expectF32(dz, dzRef, sumTolD, '∂L/∂z');
  await g.expectF32(dmu, dmuRef, sumTolD, '∂L/∂μ');
}

/** A target p: eq. (3) from the q of other points, in float64. */
function targetFor(z: Float32Array, mu: Float32Array, n: number, d: number, k: number, alpha: number): Float32Array {
  const q = new Float64Array(n * k);
  const f = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < k; j++) total += q[i * k + j] = (1 + sqDist(z, i, mu, j, d) / alpha) ** (-(alpha + 1) / 2);
    for (let j = 0; j < k; j++) f[j] += q[i * k + j] /= total;
  }
  const p = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < k; j++) total += q[i * k + j] ** 2 / f[j];
    for (let j = 0; j < k; j++) p[i * k + j] = q[i * k + j] ** 2 / f[j] / total;
  }
  return p;
}

/** The fused KL gradients (z and μ) against finite differences of the KL loss; `upstream` ≠ 1 puts the loss inside a larger expression. */
async function klGradcheck(rt: Runtime, alpha: number, upstream: number, seed: string): Promise<void> {
  const [n, d, k] = [6, 3, 4];
  const z = randomArray(n * d, `${seed}z`, -2, 2);
  const mu = randomArray(k * d, `${seed}mu`, -2, 2);
  const p = fromArray(rt, targetFor(randomArray(n * d, `${seed}other`, -2, 2), mu, n, d, k, alpha), n, k);
  const f = ([zt, mut]: Tensor[]) => (upstream === 1 ? klLoss(zt, mut, p, alpha) : scale(klLoss(zt, mut, p, alpha), upstream));
  await gradcheck(rt, f, [{ data: z, rows: n, cols: d }, { data: mu, rows: k, cols: d }], 1e-2, { atol: 1e-4 * upstream, rtol: 1e-2 });
  p.dispose();
}

// ---- k-means and t-SNE -----------------------------------------------------------------------

/** [n, d, k, offset]: a chunk of n points whose per-point outputs start at `offset`. */
async function kmeansCase(rt: Runtime, g: Guarded, [n, d, k, offset]: number[]): Promise<void> {
  const u = (rows: number, j: number, at: number) => F.kmeans.params({ n: rows, d, k, j, offset: at });
  const x = randomArray(n * d, `kx${n}${d}`, -2, 2);
  const c = randomArray(k * d, `kc${k}${d}`, -2, 2);
  const [xb, cb] = [g.input(x), g.input(c)];
  // row_norms: ‖x_i‖² into norms[offset + i]
  const norms = g.output(n, undefined, offset);
  rt.dispatch(F.kmeans.kernels.row_norms, [u(n, 0, offset), xb, norms], grid1d(n));
  const xn = await g.expectF32(norms, Array.from({ length: n }, (_, i) => sqDist(x, i, new Float64Array(d), 0, d)), close, 'row_norms', offset);

  // nearest_update: dist = min(dist, ‖x_i − c_j‖²) for the last centre
  const prev = randomArray(n, `kd${n}`, 0, 8);
  const dist = g.output(n, prev, offset);
  const [labels, counter] = [g.outputU32(n, undefined, offset), g.outputU32(1)]; // bound, not used by this entry
  rt.dispatch(F.kmeans.kernels.nearest_update, [u(n, k - 1, offset), xb, cb, labels, dist, counter], grid1d(n));
  await g.expectF32(dist, Array.from(prev, (v, i) => Math.min(v, sqDist(x, i, c, k - 1, d))), close, 'nearest_update', offset);

  // assign_dots: argmin_j ‖c_j‖² − 2 G[i, j] (G = X Cᵀ given), its count of changed labels
  const gdots = randomArray(n * k, `kg${n}${k}`, -2, 2);
  const cn = randomArray(k, `kn${k}`, 0, 2);
  const before = Array.from({ length: n }, (_, i) => i % 2);
  const [label, adist, stats] = [g.outputU32(n, before, offset), g.output(n, undefined, offset), g.outputU32(1, [0])];
  const xnAll = new Float32Array(offset + n);
  xnAll.set(xn, offset);
  rt.dispatch(F.kmeans.kernels.assign_dots, [u(n, 0, offset), g.input(gdots), g.input(xnAll), g.input(cn), label, adist, stats], grid1d(n));
  const best = Array.from({ length: n }, (_, i) => {
    let j0 = 0;
    for (let j = 1; j < k; j++) if (Math.fround(cn[j] - 2 * gdots[i * k + j]) < Math.fround(cn[j0] - 2 * gdots[i * k + j0])) j0 = j;
    return j0;
  });
  await g.expectU32(label, best, 'assign_dots labels', offset);
  await g.expectF32(adist, best.map((j, i) => Math.max(0, xn[i] + cn[j] - 2 * gdots[i * k + j])), { atol: 1e-5, rtol: 1e-5 }, 'assign_dots dist', offset);
  await g.expectU32(stats, [best.filter((j, i) => j !== before[i]).length], 'changed');

  // one_hot: H [n, k] from the labels at offset
  const h = g.output(n * k);
  rt.dispatch(F.kmeans.kernels.one_hot, [u(n, 0, offset), label, h], grid1d(n));
  await g.expectF32(h, Array.from({ length: n * k }, (_, e) => (best[Math.floor(e / k)] === e % k ? 1 : 0)), close, 'one_hot');

  // update_finish: c_j = sums_j / count_j, an empty cluster (the last) keeps its centre
  const sums = randomArray(k * d, `ks${k}${d}`, -5, 5);
  const counts = Array.from({ length: k }, (_, j) => (j === k - 1 ? 0 : j + 1));
  const centres = g.output(k * d, c);
  rt.dispatch(F.kmeans.kernels.update_finish, [u(k, 0, 0), g.input(sums), g.input(counts), centres], [Math.ceil(d / 64), k]);
  await g.expectF32(centres, Array.from(c, (v, e) => (counts[Math.floor(e / d)] > 0 ? sums[e] / counts[Math.floor(e / d)] : v)), close, 'update_finish');
}

const tsneParams = (n: number, o: { dx?: number; exaggeration?: number; lr?: number; momentum?: number; minGain?: number; k?: number } = {}) =>
  F.tsne.params({ n, dx: o.dx, exaggeration: o.exaggeration ?? 1, lr: o.lr, momentum: o.momentum, min_gain: o.minGain ?? 0.01, k: o.k });

/** Forces (A, R), Σ_j w_ij, Z and the KL rows of n points in the plane. */
async function tsneForcesCase(rt: Runtime, g: Guarded, [n]: number[]): Promise<void> {
  const p = randomArray(n * n, `tp${n}`, 0, 0.01);
  const y = randomArray(n * 2, `ty${n}`, -3, 3);
  const [pb, yb] = [g.input(p), g.input(y)];
  const [force, wrow, z, krow] = [g.output(n * 4), g.output(n), g.output(1), g.output(n)];
  rt.dispatch(F.tsne.kernels.forces, [tsneParams(n), pb, yb, force, wrow], grid1d(n));
  sumInto(rt, wrow, n, z);
  rt.dispatch(F.tsne.kernels.kl_rows, [tsneParams(n), pb, yb, z, krow], grid1d(n));
  const fRef = new Float64Array(n * 4);
  const wRef = new Float64Array(n);
  const w = (i: number, j: number) => 1 / (1 + (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const wij = w(i, j);
      for (let t = 0; t < 2; t++) {
        const diff = y[2 * i + t] - y[2 * j + t];
        fRef[4 * i + t] += p[j * n + i] * wij * diff;
        fRef[4 * i + 2 + t] += wij * wij * diff;
      }
      wRef[i] += wij;
    }
  await g.expectF32(force, fRef, { atol: 1e-6, rtol: 1e-4 }, '(A, R)');
  await g.expectF32(wrow, wRef, { atol: 1e-5, rtol: 1e-5 }, 'Σ_j w_ij');
  const Z = wRef.reduce((s, v) => s + v, 0);
  const [zs] = await g.expectF32(z, [Z], { atol: 1e-5, rtol: 1e-5 }, 'Z');
  const klRef = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (j !== i && p[j * n + i] > 0) klRef[i] += p[j * n + i] * (Math.log(p[j * n + i]) - Math.log(w(i, j)) + Math.log(zs));
  await g.expectF32(krow, klRef, { atol: 1e-5, rtol: 1e-4 }, 'KL rows');
}

/** The t-SNE gradient step (gains, momentum) on n points. */
async function tsneUpdateCase(rt: Runtime, g: Guarded, [n]: number[]): Promise<void> {
  const [f, y, v, gains] = [randomArray(n * 4, `uf${n}`), randomArray(n * 2, `uy${n}`), randomArray(n * 2, `uv${n}`), randomArray(n * 2, `ug${n}`, 0.5, 2)];
  const [yb, vb, gb] = [g.output(n * 2, y), g.output(n * 2, v), g.output(n * 2, gains)];
  const o = { exaggeration: 12, lr: 200, momentum: 0.5, minGain: 0.01 };
  rt.dispatch(F.tsne.kernels.update, [tsneParams(n, o), g.input(f), g.input([3]), yb, vb, gb], grid1d(n));
  const [yRef, vRef, gRef] = [new Float64Array(n * 2), new Float64Array(n * 2), new Float64Array(n * 2)];
  for (let e = 0; e < n * 2; e++) {
    const [i, t] = [Math.floor(e / 2), e % 2];
    const grad = 4 * (o.exaggeration * f[4 * i + t] - f[4 * i + 2 + t] / 3);
    gRef[e] = Math.max(grad * v[e] < 0 ? gains[e] + 0.2 : gains[e] * 0.8, o.minGain);
    vRef[e] = o.momentum * v[e] - o.lr * gRef[e] * grad;
    yRef[e] = y[e] + vRef[e];
  }
  await g.expectF32(gb, gRef, close, 'gains');
  await g.expectF32(vb, vRef, { atol: 1e-4, rtol: 1e-5 }, 'velocity');
  await g.expectF32(yb, yRef, { atol: 1e-4, rtol: 1e-5 }, 'y');
}

/** Input-space ranks of n points × k map neighbours; a neighbour index past n reads row n − 1. */
async function tsneRanksCase(rt: Runtime, g: Guarded, [n, k]: number[]): Promise<void> {
  const dist = randomArray(n * n, `rd${n}`, 0, 1);
  const nbr = Array.from({ length: n * k }, (_, e) => (Math.floor(e / k) + 1 + (e % k)) % n);
  if (n > 1) nbr[k] = n + 5; // a bad index from the host is clamped, not followed past D
  const rank = g.outputU32(n * k);
  rt.dispatch(F.tsne.kernels.ranks, [tsneParams(n, { k }), g.input(dist), g.inputU32(nbr), rank], grid1d(n * k));
  const ref = nbr.map((j0, e) => {
    const i = Math.floor(e / k);
    const j = Math.min(j0, n - 1);
    const dij = dist[i * n + j];
    let r = 1;
    for (let l = 0; l < n; l++) if (l !== i && (dist[i * n + l] < dij || (dist[i * n + l] === dij && l < j))) r++;
    return r;
  });
  await g.expectU32(rank, ref, 'ranks');
}

/**
 * The sparse t-SNE's attraction and KL rows over a CSR P of n rows with up to `perRow` entries
 * (ragged; row 1 empty; one column index past n, which the kernels clamp), against float64.
 */
async function sparseForcesCase(rt: Runtime, g: Guarded, [n, perRow]: number[]): Promise<void> {
  const counts = Array.from({ length: n }, (_, i) => (i === 1 ? 0 : (i * 7) % (perRow + 1)));
  const rowPtr = [0];
  for (const c of counts) rowPtr.push(rowPtr[rowPtr.length - 1] + c);
  const nnz = rowPtr[n];
  const col = Array.from({ length: nnz }, (_, e) => (e * 13 + 5) % n);
  if (nnz > 2) col[2] = n + 3;
  const val = randomArray(nnz, `sp${n}`, 0.001, 0.02);
  if (nnz > 3) val[3] = 0; // 0 ln 0 = 0
  const y = randomArray(2 * n, `spy${n}`, -5, 5);
  const rep = randomArray(2 * n, `spr${n}`);
  const z = 37.5;
  const u = sparseFamily.params({ n });
  const [rp, cb, vb, yb] = [g.inputU32(rowPtr), g.inputU32(col), g.input(val), g.input(y)];
  const force = g.output(4 * n);
  const krow = g.output(n);
  rt.dispatch(F.tsne_sparse.kernels.attraction, [u, rp, cb, vb, yb, g.input(rep), force], grid1d(n));
  rt.dispatch(F.tsne_sparse.kernels.kl_rows, [u, rp, cb, vb, yb, g.input([z]), krow], grid1d(n));
  const fRef = new Float64Array(4 * n);
  const kRef = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let e = rowPtr[i]; e < rowPtr[i + 1]; e++) {
      const j = Math.min(col[e], n - 1);
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const w = 1 / (1 + dx * dx + dy * dy);
      fRef[4 * i] += val[e] * w * dx;
      fRef[4 * i + 1] += val[e] * w * dy;
      if (val[e] > 0) kRef[i] += val[e] * Math.log((val[e] * z) / w);
    }
    fRef[4 * i + 2] = rep[2 * i];
    fRef[4 * i + 3] = rep[2 * i + 1];
  }
  await g.expectF32(force, fRef, sumTol(perRow), 'sparse attraction (A_i, R_i)');
  await g.expectF32(krow, kRef, sumTol(perRow), 'sparse KL rows');
}

/**
 * Exact kNN of n points in d dimensions (every fifth a duplicate, and a run of k + 2 copies of row
 * 0: ties at the k-th neighbour), all n rows as one query block against candidate chunks of
 * `chunk` rows, `span` candidates per dispatch; then the sort and the perplexity calibration.
 */
async function knnCase(rt: Runtime, g: Guarded, [n, d, k, chunk, span]: number[]): Promise<void> {
  const x = pointsWithTies(n, d, `kn${n}x${d}`, k + 2);
  const u = (o: Record<string, number>) => tsneKnnFamily.params({ rows: n, k, d, ...o });
  const [hd, hi, beta] = [g.output(n * k), g.outputU32(n * k), g.output(n)];
  const xq = g.input(x);
  for (let c0 = 0; c0 < n; c0 += chunk) {
    const cols = Math.min(chunk, n - c0);
    const xc = g.input(x.subarray(c0 * d, (c0 + cols) * d));
    for (let begin = 0; begin < cols; begin += span)
      rt.dispatch(tsneKnnFamily.kernels.knn_tile, [u({ cols, c0, begin, end: Math.min(cols, begin + span) }), hd, hi, xq, xc], grid1d(n, 128));
  }
  rt.dispatch(tsneKnnFamily.kernels.knn_sort, [u({}), hd, hi], grid1d(n));
  const ref = knnRef(x, n, d, k);
  await g.expectU32(hi, ref.idx, 'neighbours');
  await g.expectF32(hd, ref.dist, { atol: 1e-5, rtol: 1e-5 }, 'D');
  rt.dispatch(tsneKnnFamily.kernels.knn_perplexity, [u({ log_perplexity: Math.log(k / 3) }), hd, beta], grid1d(n));
  const cond = conditionalRef(ref.dist, n, k, k / 3);
  const b = await rt.readF32(beta, n);
  const at = calibrationAt(ref.dist, n, k, k / 3, b, cond);
  // The bisection may stop one step apart from float64's (an entropy within float32 rounding of
  // the 1e-5-nat band: seen at d = 2, β 166.766 against 166.758, p 1.3e-4 apart), so the check is
  // the property: each row's perplexity met (within the band and the float32 entropy's rounding,
  // 5e-5 nats) and p_{j|i} = exp(−β D) / Σ at the β found (as the exact affinities' test: atol
  // 1e-7, rtol 1e-4: float32 distances move p by p β δD).
  expect(at.worstH, 'worst |H(P_i) − ln perplexity| in nats').toBeLessThanOrEqual(5e-5);
  await g.expectF32(hd, at.p, { atol: 1e-7, rtol: 1e-4 }, 'p_{j|i}');
  await g.expectF32(beta, k > 0 ? b : [], { atol: 0, rtol: 0 }, 'β (none without neighbours)');
}

// ---- the optimisers --------------------------------------------------------------------------

/** SGD (momentum, weight decay, a learning-rate multiplier) and Adam (bias correction), 3 steps each on n parameters. */
async function optimCase(rt: Runtime, _g: Guarded, [n]: number[]): Promise<void> {
  const p0 = randomArray(n, `op${n}`);
  const grads = [1, 2, 3].map((s) => randomArray(n, `og${n}:${s}`));
  {
    const param = keep(fromArray(rt, p0, 1, n, true));
    const [lr, mu, wd, mult] = [0.1, 0.9, 0.01, 2];
    const opt = new Sgd(rt, [{ param, lrMult: mult, decayMult: 1 }], { lr, momentum: mu, weightDecay: wd });
    const [p, v] = [Float64Array.from(p0), new Float64Array(n)];
    for (const g of grads) {
      param.grad = keep(fromArray(rt, g, 1, n));
      opt.step();
      for (let i = 0; i < n; i++) {
        v[i] = mu * v[i] + lr * mult * (g[i] + wd * p[i]);
        p[i] -= v[i];
      }
    }
    expectClose(await param.toArray(), p, close, 'sgd');
    opt.dispose();
    param.dispose();
  }
  {
    const param = keep(fromArray(rt, p0, 1, n, true));
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-8];
    const opt = new Adam(rt, [{ param }], { lr, beta1: b1, beta2: b2, eps });
    const [p, m, v] = [Float64Array.from(p0), new Float64Array(n), new Float64Array(n)];
    grads.forEach((g, step) => {
      param.grad = keep(fromArray(rt, g, 1, n));
      opt.step();
      const t = step + 1;
      for (let i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        p[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
    });
    expectClose(await param.toArray(), p, { atol: 1e-6, rtol: 1e-4 }, 'adam');
    opt.dispose();
    param.dispose();
  }
}

// ---- the table -------------------------------------------------------------------------------

export const OPS: OpEntry[] = [
  elementwiseEntry('add and sub: a + α·b', ['add'], {
    'add and sub': (rt) => gradcheck(rt, ([a, b]) => head(sub(add(a, b), scale(b, 3)), 't'), [input(3, 5, 'a'), input(3, 5, 'b')]),
  }),
  elementwiseEntry('scale: α·a', ['scale'], { scale: (rt) => gradcheck(rt, ([a]) => head(scale(a, 0.7), 't'), [input(2, 3, 'a')]) }),
  elementwiseEntry('ReLU and its backward', ['relu', 'relu_grad'], { ReLU: (rt) => gradcheck(rt, ([a]) => head(relu(a), 't'), [input(4, 5, 'a')]) }),
  elementwiseEntry('bias add', ['bias_add'], { 'bias add': (rt) => gradcheck(rt, ([a, b]) => head(biasAdd(a, b), 't'), [input(4, 3, 'a'), input(1, 3, 'b')]) }),
  elementwiseEntry('gradient accumulation (p += α·a) and fill', ['axpy', 'fill'], { none: 'they write gradients and optimiser state; the tape tests check accumulation' }),
  {
    name: 'sums and means over rows, columns and all (masked too), and their backward broadcasts',
    kernels: ['reduce.sum_rows', 'reduce.sum_cols', 'reduce.sum_all', 'primitives.broadcast_row', 'primitives.broadcast_col', 'primitives.broadcast_all'],
    odd: ODD,
    edge: EDGE,
    check: async (rt, g, [rows, cols]) => {
      const n = rows * cols;
      const a = randomArray(n, `ra${n}`);
      const mask = randomArray(n, `rm${n}`);
      const [colSums, maskedColSums, rowSums] = [new Float64Array(cols), new Float64Array(cols), new Float64Array(rows)];
      let total = 0;
      a.forEach((v, i) => {
        colSums[i % cols] += v;
        if (mask[i] > 0) maskedColSums[i % cols] += v;
        rowSums[Math.floor(i / cols)] += v;
        total += v;
      });
      const [ab, mb] = [g.input(a), g.input(mask)];
      const [oRows, oMasked, oCols, oAll] = [g.output(cols), g.output(cols), g.output(rows), g.output(1)];
      sumRowsRaw(rt, ab, rows, cols, 1, oRows);
      sumRowsRaw(rt, ab, rows, cols, 1, oMasked, mb);
      const u = F.reduce.params({ rows, cols, alpha: 0.5 });
      rt.dispatch(F.reduce.kernels.sum_cols, [u, ab, rt.scratch, oCols], grid1d(rows), { MASK_B: false });
      rt.dispatch(F.reduce.kernels.sum_all, [u, ab, rt.scratch, oAll], [1], { MASK_B: false });
      await g.expectF32(oRows, colSums, sumTol(rows), 'sum_rows');
      await g.expectF32(oMasked, maskedColSums, sumTol(rows), 'sum_rows masked');
      await g.expectF32(oCols, Array.from(rowSums, (v) => 0.5 * v), sumTol(cols), 'sum_cols');
      await g.expectF32(oAll, [0.5 * total], sumTol(n), 'sum_all');
      for (const e of ['broadcast_row', 'broadcast_col', 'broadcast_all'] as const) await elementwiseCase(rt, g, [rows, cols], e);
    },
    grad: Object.fromEntries(
      (['rows', 'cols', 'all'] as const).map((axis) => [`sum and mean over ${axis}`, (rt: Runtime) => gradcheck(rt, ([a]) => head(add(sum(a, axis), mean(a, axis)), 't'), [input(3, 4, 'a')])]),
    ),
  },
  {
    name: 'MSE loss (fused loss and gradient; the gradient with an upstream factor) and Σ(a − b)²',
    kernels: ['loss.mse', 'loss.mse_grad', 'reduce.sum_sq_diff'],
    odd: sizes(1, 255, 1000),
    edge: sizes(1, 7, 65, 256, 257),
    check: async (rt, g, [n]) => {
      const [y, t] = [randomArray(n, `y${n}`), randomArray(n, `t${n}`)];
      let sq = 0;
      y.forEach((v, i) => (sq += (v - t[i]) ** 2));
      const [yb, tb] = [g.input(y), g.input(t)];
      const [oSq, oMse, oMseOnly, oGrad, oGradHalf] = [g.output(1), g.output(1), g.output(1), g.output(n), g.output(n)];
      rt.dispatch(F.reduce.kernels.sum_sq_diff, [F.reduce.params({ rows: 1, cols: n, alpha: 1 }), yb, tb, oSq], [1], { MASK_B: false });
      // The fused MSE: the loss, and with GRAD its gradient for g = 1 (else scratch is bound there).
      const um = F.loss.params({ n, alpha: 1 / n, grad_alpha: 2 / n });
      rt.dispatch(F.loss.kernels.mse, [um, yb, tb, oMse, oGrad], [1], { GRAD: true });
      rt.dispatch(F.loss.kernels.mse, [um, yb, tb, oMseOnly, rt.scratch], [1], { GRAD: false });
      rt.dispatch(F.loss.kernels.mse_grad, [F.loss.params({ n, alpha: 2 / n }), yb, tb, g.input([0.5]), oGradHalf], grid1d(n));
      await g.expectF32(oSq, [sq], sumTol(n), 'sum_sq_diff');
      await g.expectF32(oMse, [sq / n], sumTol(n), 'mse');
      await g.expectF32(oMseOnly, [sq / n], sumTol(n), 'mse without its gradient');
      await g.expectF32(oGrad, Array.from(y, (v, i) => (2 / n) * (v - t[i])), exact, 'mse gradient');
      await g.expectF32(oGradHalf, Array.from(y, (v, i) => (2 / n) * (v - t[i]) * 0.5), exact, 'mse_grad');
    },
    grad: {
      'MSE loss (both arguments)': (rt) => gradcheck(rt, ([y, t]) => mseLoss(y, t), [input(3, 7, 'y'), input(3, 7, 't')]),
      // Every `head` starts backward() at the MSE loss (its gradient written by the forward kernel);
      // here the loss is inside a larger expression, so its backward gets an upstream gradient of 0.5.
      'MSE loss with an upstream gradient ≠ 1': (rt) => gradcheck(rt, ([y]) => scale(head(y, 't'), 0.5), [input(3, 7, 'y')]),
    },
  },
  {
    name: 'dropout (the mask from the counter hash)',
    kernels: ['dropout.dropout'],
    odd: sizes(1, 255, 1000),
    edge: sizes(1, 7, 65, 257),
    check: async (rt, g, [n]) => {
      const y = randomArray(n, `my${n}`);
      const drop = g.output(n);
      const [rate, salt, seed, step] = [Math.fround(0.3), 5, 42, 3];
      rt.dispatch(F.dropout.kernels.dropout, [F.dropout.params({ n, salt, rate }), g.input(y), g.inputU32([seed, step]), drop], grid1d(n));
      await g.expectF32(drop, Array.from(y, (v, i) => (dropoutU(i, salt, seed, step) >= rate ? v / Math.fround(1 - rate) : 0)), exact, 'dropout');
    },
    grad: {
      dropout: (rt) => {
        const rng = new DropoutRng(rt, 11);
        return gradcheck(rt, ([a]) => head(dropout(a, 0.3, rng, 2), 't'), [input(4, 6, 'a')]).finally(() => rng.dispose());
      },
    },
  },
  {
    name: 'gather rows over two chunks',
    kernels: ['gather.gather_rows'],
    odd: sizes(13, 255),
    edge: sizes(1, 63, 64, 65, 130),
    check: async (rt, g, [d]) => {
      // 9 rows in chunks of 5 and 4; a batch of 6 rows from position 2 of the permutation.
      const perm = [8, 3, 0, 5, 1, 7, 2, 6, 4];
      const x = randomArray(9 * d, `gx${d}`);
      const index = g.inputU32(perm);
      const out = g.output(6 * d);
      for (const [start, count] of [[0, 5], [5, 4]]) {
        const u = F.gather.params({ rows: 6, d, offset: 2, chunk_start: start, chunk_rows: count });
        rt.dispatch(F.gather.kernels.gather_rows, [u, g.input(x.subarray(start * d, (start + count) * d)), index, out], [1, 6]);
      }
      await g.expectF32(out, perm.slice(2, 8).flatMap((r) => Array.from(x.subarray(r * d, (r + 1) * d))), exact, `gather d=${d}`);
    },
    grad: { none: 'a copy of data rows: the inputs of a step, not a function of parameters' },
  },
  {
    name: 'scatter rows over two chunks',
    kernels: ['gather.scatter_rows'],
    odd: sizes(13, 255),
    edge: sizes(1, 63, 64, 65, 130),
    check: async (rt, g, [d]) => {
      // 6 rows of a block go to rows [7, 2, 5, 0, 8, 3] of 9 rows in chunks of 5 and 4; the others stay.
      const where = [7, 2, 5, 0, 8, 3];
      const block = randomArray(6 * d, `sx${d}`);
      const index = g.inputU32(where);
      const expected = new Float32Array(9 * d).fill(-1);
      where.forEach((r, i) => expected.set(block.subarray(i * d, (i + 1) * d), r * d));
      for (const [start, count] of [[0, 5], [5, 4]]) {
        const chunk = g.output(count * d, new Float32Array(count * d).fill(-1));
        const u = F.gather.params({ rows: 6, d, offset: 0, chunk_start: start, chunk_rows: count });
        rt.dispatch(F.gather.kernels.scatter_rows, [u, g.input(block), index, chunk], [1, 6]);
        await g.expectF32(chunk, Array.from(expected.subarray(start * d, (start + count) * d)), exact, `scatter d=${d} chunk ${start}`);
      }
    },
    grad: { none: 'a copy of data rows from a file to their places: no parameters' },
  },
  {
    name: 'unpack 8-bit rows (four to a word) through the table, into a range of rows',
    kernels: ['packed.unpack_rows'],
    odd: sizes(13, 255),
    edge: sizes(1, 3, 4, 5, 64, 65),
    check: async (rt, g, [d]) => {
      // Rows 2..5 of 7 packed rows into rows 1..4 of a 6-row output; the other rows stay. Every byte
      // value, 255 in the top byte included (a NaN pattern as a float), goes through the table.
      const w = Math.ceil(d / 4);
      const bytes = Uint8Array.from({ length: 7 * d }, (_, i) => (i * 37 + 255) % 256);
      const words = new Uint32Array(7 * w);
      bytes.forEach((v, i) => (words[Math.floor(i / d) * w + ((i % d) >> 2)] |= v << (8 * ((i % d) & 3))));
      const table = randomArray(256, `tab${d}`);
      const expected = new Float32Array(6 * d).fill(-1);
      for (let r = 0; r < 4; r++) for (let c = 0; c < d; c++) expected[(1 + r) * d + c] = table[bytes[(2 + r) * d + c]];
      const out = g.output(6 * d, new Float32Array(6 * d).fill(-1));
      const u = F.packed.params({ rows: 4, d, words: w, src_row: 2, dst_row: 1 });
      rt.dispatch(F.packed.kernels.unpack_rows, [u, g.inputU32(Array.from(words)), g.input(table), out], [1, 4]);
      await g.expectF32(out, Array.from(expected), exact, `unpack d=${d}`);
    },
    grad: { none: 'the inputs of a step, read from 8-bit data: no parameters' },
  },
  {
    name: 'augmentation: images turned and shifted, bilinear, zero outside (for given warps, and drawn from the counter hash)',
    kernels: ['augment.warp'],
    odd: [
      [5, 7, 9],
      [3, 28, 28],
    ],
    edge: [
      [1, 1, 1],
      [3, 1, 5],
      [65, 2, 3],
    ],
    check: augmentCase,
    grad: { none: 'the inputs of a step: nothing flows back through them' },
  },
  {
    name: 'matrix products: every kernel and transpose, the fused bias, ReLU and masks, split-K',
    kernels: [
      'matmul.matmul', 'matmul.matmul_vec4', 'matmul.splitk_reduce', 'matmul.matmul_naive',
      'matmul_subgroup.matmul_subgroup', 'matmul_subgroup.matmul_subgroup_vec4', 'matmul_tiled.matmul_tiled', 'matmul_tiled.matmul_tiled_vec4',
    ],
    // [M, N, K, PLAIN | FUSED | SPLIT_K]: 1 × 1; one row (a 64 × 1 workgroup of the blocked kernel)
    // and one column; K = 1; multiples of 4 (vec4 loads) with N % 8 == 4; 32-tile edges plus one.
    odd: [
      [7, 13, 9, FUSED],
      [4, 12, 8, FUSED],
      [4, 8, 1024, SPLIT_K],
    ],
    edge: [
      [1, 1, 1, PLAIN],
      [1, 65, 9, PLAIN],
      [65, 1, 65, PLAIN],
      [5, 3, 1, FUSED],
      [4, 12, 8, FUSED],
      [33, 33, 17, FUSED],
      [9, 130, 12, PLAIN],
      [1, 1, 600, SPLIT_K],
      [4, 8, 1024, SPLIT_K],
    ],
    check: products,
    grad: {
      // Seeds differ per combination so that no ReLU pre-activation sits within h of its kink (where a
      // central difference is wrong by construction; the unfused matmul → biasAdd → relu shows the same).
      ...Object.fromEntries(
        [false, true].flatMap((transA) =>
          [false, true].map((transB) => [
            `matmul transA=${transA} transB=${transB} with bias and ReLU`,
            (rt: Runtime) =>
              gradcheck(rt, ([a, b, c]) => head(matmul(a, b, { transA, transB, bias: c, relu: true }), 't'), [
                input(transA ? 5 : 3, transA ? 3 : 5, `a${transA}${transB}`),
                input(transB ? 4 : 5, transB ? 5 : 4, 'b'),
                input(1, 4, 'c'),
              ]),
          ]),
        ),
      ),
      'matmul without epilogue': (rt) => gradcheck(rt, ([a, b]) => head(matmul(a, b), 't'), [input(3, 6, 'a'), input(6, 2, 'b')]),
    },
  },
  {
    name: 'DEC: q and w (eq. 1), f and p (eq. 3), the hard assignment, the KL rows and loss (eq. 2), ∂L/∂z and ∂L/∂μ (eqs. 4, 5)',
    kernels: ['dec.soft_assign', 'dec.target_distribution', 'dec.kl_rows', 'dec.kl_loss', 'dec.kl_grad_z', 'dec.kl_grad_mu'],
    odd: [
      [257, 10, 10],
      [255, 7, 13],
    ],
    // One point, one dimension, one cluster; partial workgroups of 64 (points, and the dimensions of ∂L/∂μ's grid).
    edge: [
      [1, 1, 1],
      [1, 65, 3],
      [65, 1, 1],
      [65, 3, 10],
      [7, 65, 2],
      [130, 2, 3],
    ],
    check: decCase,
    grad: {
      'the KL loss, α = 1': (rt) => klGradcheck(rt, 1, 1, 'g1'),
      'the KL loss, α = 2': (rt) => klGradcheck(rt, 2, 1, 'g2'),
      'the KL loss inside a larger expression (upstream gradient 3)': (rt) => klGradcheck(rt, 1, 3, 'u'),
    },
  },
  {
    name: 'k-means passes: row norms, k-means++ distances, assignment, one-hot and the centre update',
    kernels: ['kmeans.row_norms', 'kmeans.nearest_update', 'kmeans.assign_dots', 'kmeans.one_hot', 'kmeans.update_finish'],
    odd: [[257, 13, 7, 0]],
    edge: [
      [1, 1, 1, 0],
      [65, 3, 2, 7],
      [7, 65, 3, 1],
      [130, 1, 5, 3],
    ],
    check: kmeansCase,
    grad: { none: "Lloyd's algorithm has no backward" },
  },
  {
    name: 't-SNE squared distances (ragged 16-tiles)',
    kernels: ['tsne.sq_dists'],
    odd: [[255, 13]],
    edge: [
      [1, 1],
      [16, 17],
      [17, 16],
      [33, 1],
    ],
    check: async (rt, g, [n, d]) => {
      const x = randomArray(n * d, `tx${n}${d}`, -2, 2);
      const out = g.output(n * n);
      squaredDistancesInto(rt, g.input(x), n, d, out);
      await g.expectF32(out, Array.from({ length: n * n }, (_, e) => sqDist(x, Math.floor(e / n), x, e % n, d)), { atol: 1e-5, rtol: 1e-5 }, 'D');
    },
    grad: { none: 'inputs of t-SNE, not differentiated' },
  },
  {
    name: 't-SNE conditional and joint affinities (the perplexity search, symmetrised)',
    kernels: ['tsne.sq_dists', 'tsne.perplexity_rows', 'tsne.symmetrise'],
    odd: sizes(31),
    edge: sizes(9, 17),
    check: async (rt, g, [n]) => {
      const d = 3;
      const x = randomArray(n * d, `ta${n}`, -1, 1);
      const xb = g.input(x);
      const [pc, pj, beta] = [g.output(n * n), g.output(n * n), g.output(n)];
      conditionalAffinitiesInto(rt, xb, n, d, 3, pc, beta);
      affinitiesInto(rt, xb, n, d, 3, pj, beta);
      const b = await rt.readF32(beta, n);
      const cond = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) if (j !== i) s += cond[i * n + j] = Math.exp(-b[i] * sqDist(x, i, x, j, d));
        for (let j = 0; j < n; j++) cond[i * n + j] /= s;
      }
      const pcs = await g.expectF32(pc, cond, { atol: 1e-7, rtol: 1e-4 }, 'p_j|i');
      await g.expectF32(beta, b, { atol: 0, rtol: 0 }, 'β');
      await g.expectF32(pj, Array.from({ length: n * n }, (_, e) => (pcs[e] + pcs[(e % n) * n + Math.floor(e / n)]) / (2 * n)), { atol: 1e-9, rtol: 1e-5 }, 'p_ij');
    },
    grad: { none: 'inputs of t-SNE, not differentiated' },
  },
  {
    name: 't-SNE forces, Z and the KL rows (partial groups of 64)',
    kernels: ['tsne.forces', 'tsne.partial_sums', 'tsne.kl_rows'],
    odd: sizes(257),
    edge: sizes(0, 1, 2, 63, 65, 129),
    check: tsneForcesCase,
    grad: { none: "the gradient of t-SNE's KL in closed form (the forces), checked against its formula here" },
  },
  {
    name: 't-SNE sums over workgroups of 256',
    kernels: ['tsne.partial_sums'],
    odd: sizes(1000),
    edge: sizes(0, 1, 255, 256, 257, 65537),
    check: async (rt, g, [count]) => {
      const v = randomArray(count, `ts${count}`, 0, 1);
      const out = g.output(1);
      sumInto(rt, g.input(v), count, out);
      await g.expectF32(out, [v.reduce((s, x) => s + x, 0)], { atol: 1e-6, rtol: 1e-5 }, 'Σ');
    },
    grad: { none: 'a reduction inside t-SNE, not differentiated' },
  },
  {
    name: 't-SNE gradient step (gains, momentum)',
    kernels: ['tsne.update'],
    odd: sizes(257),
    edge: sizes(1, 65),
    check: tsneUpdateCase,
    grad: { none: 'an update rule' },
  },
  {
    name: 't-SNE input-space ranks of the map neighbours',
    kernels: ['tsne.ranks'],
    odd: [[33, 5]],
    edge: [
      [9, 2],
      [65, 3],
    ],
    check: tsneRanksCase,
    grad: { none: 'ranks for the trustworthiness score' },
  },
  {
    name: 't-SNE sparse P: the attraction over the CSR non-zeros beside the repulsion, and the KL rows',
    kernels: ['tsne_sparse.attraction', 'tsne_sparse.kl_rows'],
    odd: [
      [257, 9],
      [1000, 31],
    ],
    edge: [
      [1, 0],
      [2, 1],
      [65, 3],
    ],
    check: sparseForcesCase,
    grad: { none: 'the gradient itself (its halves checked here, the whole against the exact one in tsne-fft.test.ts)' },
  },
  {
    name: 't-SNE exact kNN (128-row blocks, two rows per invocation; 32-candidate tiles; 32-coordinate chunks), its sort and the perplexity on it',
    kernels: ['tsne_knn.knn_tile', 'tsne_knn.knn_sort', 'tsne_knn.knn_perplexity'],
    // [n, d, k, candidate chunk rows, candidates per dispatch]
    odd: [
      [257, 13, 30, 100, 64],
      [67, 37, 10, 67, 40],
    ],
    edge: [
      [1, 1, 0, 1, 32],
      [2, 1, 1, 1, 32],
      [65, 3, 64, 17, 32],
      [129, 2, 7, 50, 32],
      [33, 40, 5, 33, 7],
    ],
    check: knnCase,
    grad: { none: 'inputs of t-SNE, not differentiated' },
  },
  {
    name: 'SGD and Adam steps over the parameter arena',
    kernels: ['optim.sgd', 'optim.adam'],
    odd: sizes(257),
    edge: sizes(1, 13, 65),
    check: optimCase,
    grad: { none: 'update rules' },
  },
  {
    name: "the bench's roofline probes: eight FMA chains per invocation, and a copy",
    kernels: ['roofline.fma_peak', 'roofline.copy'],
    odd: sizes(13, 255),
    edge: sizes(1, 63, 65, 257),
    check: rooflineCase,
    grad: { none: 'probes of the adapter, not functions of parameters' },
  },
  ...FFT_OPS,
];

/** fma_peak against eight float64 chains x ← x·m + c (|m| < 1, so rounding does not grow), and copy. */
async function rooflineCase(rt: Runtime, g: Guarded, [n]: number[]): Promise<void> {
  const iters = 7;
  const m = randomArray(4 * n, `rm${n}`, -0.9, 0.9);
  const c = randomArray(4 * n, `rc${n}`);
  const out = g.output(4 * n);
  rt.dispatch(F.roofline.kernels.fma_peak, [F.roofline.params({ n, iters }), g.input(m), g.input(c), out], grid1d(n));
  const ref = new Float64Array(4 * n);
  for (let i = 0; i < 4 * n; i++) {
    const x = Array.from({ length: 8 }, (_, j) => c[i] + j);
    for (let t = 0; t < iters; t++) for (let j = 0; j < 8; j++) x[j] = x[j] * m[i] + c[i];
    ref[i] = x[0] + x[1] + (x[2] + x[3]) + (x[4] + x[5] + (x[6] + x[7]));
  }
  await g.expectF32(out, ref, { atol: 1e-5, rtol: 1e-5 }, `fma_peak n=${n}`);
  const copied = g.output(4 * n);
  rt.dispatch(F.roofline.kernels.copy, [F.roofline.params({ n }), g.input(c), rt.scratch, copied], grid1d(n));
  await g.expectF32(copied, c, exact, `copy n=${n}`);
}

/** The entry points an entry can dispatch on this adapter (subgroup kernels only where it has subgroups; the FFT at N = 2048 in one dispatch only with 32 KiB of workgroup memory). */
export function availableKernels(rt: Runtime, e: OpEntry): EntryName[] {
  // The FFT's one-dispatch kernels at N = 2048 need 32 KiB of workgroup memory (fft.ts runs passes where there is less).
  const fft2048 = rt.device.limits.maxComputeWorkgroupStorageSize >= 32768;
  return e.kernels.filter((k) => (!k.startsWith('matmul_subgroup.') || !!rt.gpu.subgroupSize) && (fft2048 || !/^fft\.fft_(rows|cols)_2048$/.test(k)));
}
