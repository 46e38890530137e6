// Kernels without Dawn's bounds checks (the default: src/gpu/device.ts). Every kernel must keep its
// own indices in range, so each engine kernel runs here at the shapes where that is hardest (1,
// 7, 63, 65, 257 …: partial workgroups; 1 × N and N × 1; a 2-D grid of workgroups) against a
// float64 reference, with a sentinel past the end of every output (a stray write shows) and NaN
// past the end of every input (a stray read that reaches a result shows). The cases are the op
// table's (op-table.ts) at its edge shapes, then what only a whole pass reaches.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { robustnessWanted } from '../src/gpu/device.js';
import { grid1d } from '../src/gpu/registry.js';
import { FAMILIES as F } from './families.js';
import { Runtime } from '../src/gpu/runtime.js';
import { info } from '../src/cli/info.js';
import { elementwise } from '../src/tensor/ops/elementwise.js';
import { primitive } from '../src/tensor/ops/primitives.js';
import { kmeans } from '../src/kmeans/kmeans.js';
import { ChunkedRows, planRows } from '../src/tensor/index.js';
import { useRuntime } from './helpers.js';
import { OPS } from './op-table.js';
import { Guarded } from './sentinel.js';

const rt = useRuntime();
let g: Guarded;
afterEach(() => g?.release());
const guarded = () => (g = new Guarded(rt()));

const exact = { atol: 1e-6, rtol: 1e-6 };
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

  it('info says whether they are on, the subgroup size, and the sizes the kernels are tested at', async () => {
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
    expect(out).toMatch(new RegExp(`^subgroup size: ${rt().gpu.subgroupSize ?? 'none'} \\(the kernels are tested at subgroup sizes 4, 8, 16, 32, 64 on lavapipe and at 4 on SwiftShader \\(npm run test:drivers\\)\\)$`, 'm'));
  });
});

describe.each(OPS)('$name at edge shapes', (entry) => {
  it.each(entry.edge)('%j: every output matches its reference; nothing written past it, no NaN read from past an input', async (...shape) => {
    await entry.check(rt(), guarded(), shape);
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
    primitive(rt(), 'bias_add', n, cols, 1, 0, [ab, biasb], biased);
    primitive(rt(), 'broadcast_col', n, cols, 3, 0, [ab, ab], bcast);
    await g.expectF32(sum, ref((i) => a[i] + 2 * b[i]), exact, 'add');
    await g.expectF32(biased, ref((i) => a[i] + bias[i % cols]), exact, 'bias_add');
    await g.expectF32(bcast, ref((i) => 3 * a[Math.floor(i / cols)]), exact, 'broadcast_col');
  });

  it('the MSE gradient, dropout and the sums over columns write exactly n values', async () => {
    guarded();
    const [ab, bb, gb] = [g.input(a), g.input(b), g.input([1])];
    const [grad, drop, rowSums] = [g.output(n), g.output(n), g.output(n)];
    rt().dispatch(F.loss.kernels.mse_grad, [F.loss.params({ n, alpha: 0.5 }), ab, bb, gb, grad], grid1d(n));
    rt().dispatch(F.dropout.kernels.dropout, [F.dropout.params({ n, salt: 1, rate: 0 }), ab, g.inputU32([1, 2]), drop], grid1d(n));
    // Sums over the columns of an [n, 1] matrix: one row per invocation.
    rt().dispatch(F.reduce.kernels.sum_cols, [F.reduce.params({ rows: n, cols: 1, alpha: -1 }), ab, rt().scratch, rowSums], grid1d(n), { MASK_B: false });
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
    const u = F.matmul.params({ M: rows, N: cols, K: 2 });
    rt().dispatch(F.matmul.kernels.splitk_reduce, [u, g.input(partials), rt().scratch, g.input(bias), rt().scratch, c], grid1d(n), { BIAS: true, RELU: false });
    await g.expectF32(c, ref((i) => a[i] + b[i] + bias[i % cols]), exact, 'splitk_reduce');
  });
});

describe('the fused passes at their extremes', () => {
  it('one point, one cluster: the centre is the point, inertia 0', async () => {
    const x = Float32Array.of(0.25, -3, 7);
    const r = await kmeans(rt(), ChunkedRows.upload(rt(), planRows(rt(), 1, 3), 3, x), { k: 1, restarts: 2, seed: 1 });
    expect(Array.from(r.centers)).toEqual(Array.from(x));
    expect(Array.from(r.labels)).toEqual([0]);
    expect(r.inertia).toBe(0);
  });

  it('a pass of partial sums on a 2-D grid writes one partial per 256 values, none for the extra workgroups', async () => {
    guarded();
    // 65537 partials: grid1d gives 32769 × 2 workgroups, one past the last partial.
    const count = 65536 * 256 + 1;
    expect(grid1d(count, 256)).toEqual([32769, 2]);
    const partials = g.output(65537);
    rt().dispatch(F.tsne.kernels.partial_sums, [F.tsne.params({ n: count }), g.input(new Float32Array(count).fill(1)), partials], grid1d(count, 256));
    const ref = new Float32Array(65537).fill(256);
    ref[65536] = 1;
    await g.expectF32(partials, ref, { atol: 0, rtol: 0 }, 'partials');
  });
});
