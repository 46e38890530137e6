// Kernels without Dawn's bounds checks (the default: src/gpu/device.ts). Every kernel must keep its
// own indices in range, so each engine kernel runs here at the shapes where that is hardest (1,
// 7, 63, 65, 257 …: partial workgroups; 1 × N and N × 1; a 2-D grid of workgroups) against a
// float64 reference, with a sentinel past the end of every output (a stray write shows) and NaN
// past the end of every input (a stray read that reaches a result shows). The DEC, k-means and
// t-SNE kernels: robustness-fused.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { robustnessWanted } from '../src/gpu/device.js';
import { grid1d, kernels, params } from '../src/gpu/kernels.js';
import { Runtime } from '../src/gpu/runtime.js';
import { info } from '../src/cli/info.js';
import { elementwise, type ElementwiseEntry } from '../src/tensor/ops/elementwise.js';
import { matmulInto, type MatmulImpl } from '../src/tensor/ops/matmul.js';
import { availableMatmulKernels } from '../src/gpu/kernel-choice.js';
import { sumRowsRaw } from '../src/tensor/ops/reduce.js';
import { matmulRef, randomArray, useRuntime } from './helpers.js';
import { Guarded } from './sentinel.js';

const rt = useRuntime();
let g: Guarded;
afterEach(() => g?.release());
const guarded = () => (g = new Guarded(rt()));

const exact = { atol: 1e-6, rtol: 1e-6 };
const sumTol = (terms: number) => ({ atol: 1e-6 * Math.max(1, Math.sqrt(terms)), rtol: 1e-5 });
/** [rows, cols]: single elements, single rows and columns, partial workgroups of 64 and 256. */
const shapes: [number, number][] = [
  [1, 1],
  [1, 7],
  [7, 1],
  [1, 63],
  [65, 1],
  [9, 7],
  [1, 257],
  [257, 3],
];

describe("Dawn's robustness checks", () => {
  it('are off by default (unless WEBGPU_DEC_ROBUSTNESS says otherwise)', () => {
    expect(rt().gpu.robustness).toBe(robustnessWanted());
    if (!process.env.WEBGPU_DEC_ROBUSTNESS) expect(rt().gpu.robustness).toBe(false);
  });

  it('come back with { robustness: true } or WEBGPU_DEC_ROBUSTNESS=1; the option wins over the variable', async () => {
    const saved = process.env.WEBGPU_DEC_ROBUSTNESS;
    const open = async (opts: { robustness?: boolean }, env: string | undefined) => {
      if (env === undefined) delete process.env.WEBGPU_DEC_ROBUSTNESS;
      else process.env.WEBGPU_DEC_ROBUSTNESS = env;
      const r = await Runtime.create(opts);
      try {
        // A kernel runs on it as on the default device.
        const [a, b] = [r.acquire(28), r.acquire(28)];
        r.write(a, Float32Array.from({ length: 7 }, (_, i) => i));
        elementwise(r, 'scale', 7, 7, 2, 0, [a, a], b);
        expect(Array.from(await r.readF32(b, 7))).toEqual([0, 2, 4, 6, 8, 10, 12]);
        return r.gpu.robustness;
      } finally {
        r.destroy();
      }
    };
    try {
      expect(await open({ robustness: true }, undefined)).toBe(true);
      expect(await open({}, '1')).toBe(true);
      expect(await open({}, '0')).toBe(false);
      expect(await open({ robustness: false }, '1')).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.WEBGPU_DEC_ROBUSTNESS;
      else process.env.WEBGPU_DEC_ROBUSTNESS = saved;
    }
  });

  it('info says whether they are on, and the subgroup size', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void lines.push(String(s)));
    try {
      expect(await info({})).toBe(0);
    } finally {
      log.mockRestore();
    }
    const out = lines.join('\n');
    expect(out).toMatch(/^features: /m);
    expect(out).toMatch(robustnessWanted() ? /^robustness: +on /m : /^robustness: +off /m);
    expect(out).toMatch(new RegExp(`^subgroup size: ${rt().gpu.subgroupSize ?? 'none'}$`, 'm'));
  });
});

/** The inputs each elementwise entry reads (the host binds the same), and its float64 reference. */
function elementwiseCases(rows: number, cols: number) {
  const n = rows * cols;
  const [a, b, prev] = ['a', 'b', 'prev'].map((s) => randomArray(n, `${s}${rows}x${cols}`));
  const row = randomArray(cols, `row${cols}`);
  const col = randomArray(rows, `col${rows}`);
  const [alpha, beta] = [-1.5, 0.25];
  const cases: { entry: ElementwiseEntry; inputs: (Float32Array | null)[]; preset?: Float32Array; ref: (i: number) => number }[] = [
    { entry: 'add', inputs: [a, b], ref: (i) => a[i] + alpha * b[i] },
    { entry: 'axpy', inputs: [a, null], preset: prev, ref: (i) => prev[i] + alpha * a[i] },
    { entry: 'scale', inputs: [a, a], ref: (i) => alpha * a[i] },
    { entry: 'relu', inputs: [a, a], ref: (i) => Math.max(a[i], 0) },
    { entry: 'relu_grad', inputs: [a, b], ref: (i) => (b[i] > 0 ? a[i] : 0) },
    { entry: 'bias_add', inputs: [a, row], ref: (i) => a[i] + row[i % cols] },
    { entry: 'broadcast_row', inputs: [row, row], ref: (i) => alpha * row[i % cols] },
    { entry: 'broadcast_col', inputs: [col, col], ref: (i) => alpha * col[Math.floor(i / cols)] },
    { entry: 'broadcast_all', inputs: [a.subarray(0, 1), null], ref: () => alpha * a[0] },
    { entry: 'fill', inputs: [null, null], ref: () => beta },
  ];
  return { n, alpha, beta, cases };
}

describe('elementwise kernels at edge shapes', () => {
  it.each(shapes)('every entry on %ix%i writes its n outputs and nothing past them', async (rows, cols) => {
    const { n, alpha, beta, cases } = elementwiseCases(rows, cols);
    for (const c of cases) {
      guarded();
      // An input the entry does not read is bound to the 256-byte scratch buffer, as by the host.
      const [x, y] = c.inputs.map((v) => (v ? g.input(v) : rt().scratch));
      const out = g.output(n, c.preset);
      elementwise(rt(), c.entry, n, cols, alpha, beta, [x, y], out);
      await g.expectF32(out, Array.from({ length: n }, (_, i) => c.ref(i)), exact, `${c.entry} ${rows}x${cols}`);
      g.release();
    }
  });
});

describe('reductions with a partial last workgroup', () => {
  it.each(shapes)('sums over rows (masked or not), columns and all of %ix%i', async (rows, cols) => {
    guarded();
    const n = rows * cols;
    const a = randomArray(n, `ra${n}`);
    const mask = randomArray(n, `rm${n}`);
    const colSums = new Float64Array(cols);
    const maskedColSums = new Float64Array(cols);
    const rowSums = new Float64Array(rows);
    let total = 0;
    a.forEach((v, i) => {
      colSums[i % cols] += v;
      if (mask[i] > 0) maskedColSums[i % cols] += v;
      rowSums[Math.floor(i / cols)] += v;
      total += v;
    });
    const [ab, mb] = [g.input(a), g.input(mask)];
    const [oRows, oMasked, oCols, oAll] = [g.output(cols), g.output(cols), g.output(rows), g.output(1)];
    sumRowsRaw(rt(), ab, rows, cols, 1, oRows);
    sumRowsRaw(rt(), ab, rows, cols, 1, oMasked, mb);
    const u = params('reduce', { rows, cols, alpha: 0.5 });
    rt().dispatch(kernels.reduce.sum_cols, [u, ab, rt().scratch, oCols], grid1d(rows), { MASK_B: false });
    rt().dispatch(kernels.reduce.sum_all, [u, ab, rt().scratch, oAll], [1], { MASK_B: false });
    await g.expectF32(oRows, colSums, sumTol(rows), 'sum_rows');
    await g.expectF32(oMasked, maskedColSums, sumTol(rows), 'sum_rows masked');
    await g.expectF32(oCols, Array.from(rowSums, (v) => 0.5 * v), sumTol(cols), 'sum_cols');
    await g.expectF32(oAll, [0.5 * total], sumTol(n), 'sum_all');
  });

  it.each([1, 255, 256, 257, 1000])('sum_all and the MSE sums of %i values (one workgroup striding) read each once', async (n) => {
    guarded();
    const [y, t] = [randomArray(n, `y${n}`), randomArray(n, `t${n}`)];
    let sq = 0;
    let total = 0;
    y.forEach((v, i) => ((sq += (v - t[i]) ** 2), (total += v)));
    const [yb, tb] = [g.input(y), g.input(t)];
    const [oSum, oSq, oMse, oMseOnly, oGrad] = [g.output(1), g.output(1), g.output(1), g.output(1), g.output(n)];
    const u = params('reduce', { rows: 1, cols: n, alpha: 1 });
    rt().dispatch(kernels.reduce.sum_all, [u, yb, rt().scratch, oSum], [1], { MASK_B: false });
    rt().dispatch(kernels.reduce.sum_sq_diff, [u, yb, tb, oSq], [1], { MASK_B: false });
    // The fused MSE: the loss, and with GRAD its gradient for g = 1 (else scratch is bound there).
    const um = params('loss', { n, alpha: 1 / n, grad_alpha: 2 / n });
    rt().dispatch(kernels.loss.mse, [um, yb, tb, oMse, oGrad], [1], { GRAD: true });
    rt().dispatch(kernels.loss.mse, [um, yb, tb, oMseOnly, rt().scratch], [1], { GRAD: false });
    await g.expectF32(oSum, [total], sumTol(n), 'sum_all');
    await g.expectF32(oSq, [sq], sumTol(n), 'sum_sq_diff');
    await g.expectF32(oMse, [sq / n], sumTol(n), 'mse');
    await g.expectF32(oMseOnly, [sq / n], sumTol(n), 'mse without its gradient');
    await g.expectF32(oGrad, Array.from(y, (v, i) => (2 / n) * (v - t[i])), exact, 'mse gradient');
  });
});

/** The dropout mask's uniform of element i, as dropout.wgsl computes it. */
function dropoutU(i: number, salt: number, seed: number, step: number): number {
  const pcg = (v: number) => {
    const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
    const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
    return ((word >>> 22) ^ word) >>> 0;
  };
  return (pcg((i ^ pcg((salt ^ pcg((step ^ pcg(seed)) >>> 0)) >>> 0)) >>> 0) >>> 8) / 16777216;
}

describe('loss, dropout and gather at edge sizes', () => {
  it.each([1, 7, 65, 257])('mse_grad and dropout on %i elements', async (n) => {
    guarded();
    const [y, t] = [randomArray(n, `my${n}`), randomArray(n, `mt${n}`)];
    const [yb, tb, gb] = [g.input(y), g.input(t), g.input([0.5])];
    const [grad, drop] = [g.output(n), g.output(n)];
    const alpha = 2 / n;
    rt().dispatch(kernels.loss.mse_grad, [params('loss', { n, alpha }), yb, tb, gb, grad], grid1d(n));
    await g.expectF32(grad, Array.from(y, (v, i) => alpha * (v - t[i]) * 0.5), exact, 'mse_grad');
    const [rate, salt, seed, step] = [Math.fround(0.3), 5, 42, 3];
    const rng = g.inputU32([seed, step]);
    rt().dispatch(kernels.dropout.dropout, [params('dropout', { n, salt, rate }), yb, rng, drop], grid1d(n));
    const ref = Array.from(y, (v, i) => (dropoutU(i, salt, seed, step) >= rate ? v / Math.fround(1 - rate) : 0));
    await g.expectF32(drop, ref, exact, 'dropout');
  });

  it.each([1, 63, 64, 65, 130])('gather_rows over two chunks, rows of %i floats', async (d) => {
    guarded();
    // 9 rows in chunks of 5 and 4; a batch of 6 rows from position 2 of the permutation.
    const perm = [8, 3, 0, 5, 1, 7, 2, 6, 4];
    const x = randomArray(9 * d, `gx${d}`);
    const index = g.inputU32(perm);
    const out = g.output(6 * d);
    for (const [start, count] of [[0, 5], [5, 4]]) {
      const chunk = g.input(x.subarray(start * d, (start + count) * d));
      const u = params('gather', { rows: 6, d, offset: 2, chunk_start: start, chunk_rows: count });
      rt().dispatch(kernels.gather.gather_rows, [u, chunk, index, out], [1, 6]);
    }
    const ref = perm.slice(2, 8).flatMap((r) => Array.from(x.subarray(r * d, (r + 1) * d)));
    await g.expectF32(out, ref, exact, `gather d=${d}`);
  });
});

describe('matrix products at edge shapes', () => {
  const tolFor = (K: number) => ({ atol: 1e-5 * Math.max(1, K / 16), rtol: 1e-4 });
  type Flags = { transA: boolean; transB: boolean; bias?: boolean; relu?: boolean; mask?: 'A' | 'B' };
  const transposes: Flags[] = [
    { transA: false, transB: false },
    { transA: true, transB: false },
    { transA: false, transB: true },
    { transA: true, transB: true },
  ];
  // The fused reads (bias, masks) in the combinations matmul.test.ts compiles for scalar and vec4
  // loads, so that a run of the whole suite finds most of their pipelines in Mesa's shader cache.
  const fused = (vec4: boolean): Flags[] =>
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
  // [M, N, K, with the fused variants]: 1 × 1; one row (a 64 × 1 workgroup of the blocked kernel)
  // and one column; K = 1; multiples of 4 (vec4 loads) with N % 8 == 4; 32-tile edges plus one.
  const mm: [number, number, number, boolean][] = [
    [1, 1, 1, false],
    [1, 65, 9, false],
    [65, 1, 65, false],
    [5, 3, 1, true],
    [4, 12, 8, true],
    [33, 33, 17, true],
    [9, 130, 12, false],
  ];
  const impls = (): MatmulImpl[] => [...availableMatmulKernels(rt().gpu), 'scalar', 'naive'];

  async function product(impl: MatmulImpl, M: number, N: number, K: number, f: Flags) {
    guarded();
    const a = randomArray(M * K, `ma${M}${K}`);
    const b = randomArray(K * N, `mb${K}${N}`);
    const bias = randomArray(N, `mbias${N}`);
    const mask = randomArray(f.mask === 'A' ? M * K : K * N, 'mmask');
    const c = g.output(M * N);
    const maskBuf = f.mask ? g.input(mask) : undefined;
    const flags = { transA: f.transA, transB: f.transB, relu: f.relu, bias: f.bias ? g.input(bias) : undefined };
    matmulInto(rt(), g.input(a), g.input(b), c, M, N, K, { ...flags, maskA: f.mask === 'A' ? maskBuf : undefined, maskB: f.mask === 'B' ? maskBuf : undefined }, impl);
    const ref = matmulRef(a, b, M, N, K, { ...f, bias: f.bias ? bias : undefined, maskA: f.mask === 'A' ? mask : undefined, maskB: f.mask === 'B' ? mask : undefined });
    await g.expectF32(c, ref, tolFor(K), `${impl} ${M}x${N}x${K} ${JSON.stringify(f)}`);
    g.release();
  }

  for (const [M, N, K, withFused] of mm) {
    it(`${M}x${N}x${K}: every kernel and transpose${withFused ? ', the fused bias and masks' : ''}; nothing written past C`, async () => {
      const vec4 = M % 4 === 0 && N % 4 === 0 && K % 4 === 0;
      for (const impl of impls()) for (const f of [...transposes, ...(withFused ? fused(vec4) : [])]) await product(impl, M, N, K, f);
    });
  }

  it.each([
    [1, 1, 600],
    [4, 8, 1024],
  ])('split-K %ix%ix%i (partials over a ragged last slice, then the ordered sum with the epilogue)', async (M, N, K) => {
    const was = rt().splitK;
    rt().splitK = true;
    try {
      const epilogue: Flags = { transA: false, transB: false, bias: true, relu: true };
      for (const impl of impls().filter((i) => i !== 'naive')) for (const f of [epilogue, transposes[3]]) await product(impl, M, N, K, f);
    } finally {
      rt().splitK = was;
    }
  });
});

describe('a 2-D grid of workgroups (more than 65535 · 64 invocations)', () => {
  // 65537 workgroups of 64: grid1d gives 32769 × 2, i.e. 127 invocations past n.
  const n = 65535 * 64 + 65;
  const cols = 5; // n = 5 · 838861
  const rows = n / cols;
  /** v[i] = fn(i), by a plain loop (Float32Array.from with a map function takes half a second here). */
  function tabulate<T extends Float32Array | Float64Array>(out: T, fn: (i: number) => number): T {
    for (let i = 0; i < out.length; i++) out[i] = fn(i);
    return out;
  }
  const ref = (fn: (i: number) => number) => tabulate(new Float64Array(n), fn);
  const a = tabulate(new Float32Array(n), (i) => (((i * 7) % 1009) - 504) / 512);
  const b = tabulate(new Float32Array(n), (i) => (((i * 13) % 1009) - 504) / 512);
  const bias = Float32Array.of(0.5, -1, 2, 0.25, 3);

  it('keeps grid1d(n) two-dimensional here', () => {
    expect(grid1d(n)).toEqual([32769, 2]);
    expect(Number.isInteger(rows)).toBe(true);
  });

  it('elementwise ops and broadcasts write exactly n values', async () => {
    guarded();
    const [ab, bb, biasb] = [g.input(a), g.input(b), g.input(bias)];
    const [sum, biased, bcast] = [g.output(n), g.output(n), g.output(n)];
    elementwise(rt(), 'add', n, cols, 2, 0, [ab, bb], sum);
    elementwise(rt(), 'bias_add', n, cols, 1, 0, [ab, biasb], biased);
    elementwise(rt(), 'broadcast_col', n, cols, 3, 0, [ab, ab], bcast);
    await g.expectF32(sum, ref((i) => a[i] + 2 * b[i]), exact, 'add');
    await g.expectF32(biased, ref((i) => a[i] + bias[i % cols]), exact, 'bias_add');
    await g.expectF32(bcast, ref((i) => 3 * a[Math.floor(i / cols)]), exact, 'broadcast_col');
  });

  it('the MSE gradient, dropout and the sums over columns write exactly n values', async () => {
    guarded();
    const [ab, bb, gb] = [g.input(a), g.input(b), g.input([1])];
    const [grad, drop, rowSums] = [g.output(n), g.output(n), g.output(n)];
    rt().dispatch(kernels.loss.mse_grad, [params('loss', { n, alpha: 0.5 }), ab, bb, gb, grad], grid1d(n));
    rt().dispatch(kernels.dropout.dropout, [params('dropout', { n, salt: 1, rate: 0 }), ab, g.inputU32([1, 2]), drop], grid1d(n));
    // Sums over the columns of an [n, 1] matrix: one row per invocation.
    rt().dispatch(kernels.reduce.sum_cols, [params('reduce', { rows: n, cols: 1, alpha: -1 }), ab, rt().scratch, rowSums], grid1d(n), { MASK_B: false });
    await g.expectF32(grad, ref((i) => 0.5 * (a[i] - b[i])), exact, 'mse_grad');
    await g.expectF32(drop, a, exact, 'dropout at rate 0');
    await g.expectF32(rowSums, ref((i) => -a[i]), exact, 'sum_cols');
  });

  it('the split-K sum writes exactly M · N values', async () => {
    guarded();
    // Two partial products of an [rows, 5] C, summed in order, the bias added.
    const partials = new Float32Array(2 * n);
    partials.set(a);
    partials.set(b, n);
    const c = g.output(n);
    const u = params('matmul', { M: rows, N: cols, K: 2 });
    rt().dispatch(kernels.matmul.splitk_reduce, [u, g.input(partials), rt().scratch, g.input(bias), rt().scratch, c], grid1d(n), { BIAS: true, RELU: false });
    await g.expectF32(c, ref((i) => a[i] + b[i] + bias[i % cols]), exact, 'splitk_reduce');
  });
});
