import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { matmulInto, splitKFor, type MatmulImpl } from '../src/tensor/ops/matmul.js';
import { MATMUL_KERNELS } from '../src/tensor/ops/matmul-classes.js';
import { matmul, fromArray } from '../src/tensor/index.js';
import { expectClose, matmulRef, randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();
// f32 accumulation over K terms of magnitude ≤ 1: error grows ~ sqrt(K)·eps·K; 1e-4 relative + 1e-4·K/256 absolute.
const tolFor = (K: number) => ({ atol: 1e-5 * Math.max(1, K / 16), rtol: 1e-4 });

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [7, 13, 3],
  [13, 7, 9],
  [33, 10, 17],
  [255, 257, 31],
  [64, 40, 130],
  [64, 44, 132], // M, N, K multiples of 4: the vec4 path, with N % 8 == 4 (a half block past N)
  [33, 10, 1001], // deep and narrow (split into 7 slices of 143 where split-K is on)
];

async function run(M: number, N: number, K: number, f: { transA?: boolean; transB?: boolean; bias?: boolean; relu?: boolean; mask?: 'A' | 'B' }, impl: MatmulImpl) {
  const a = randomArray(M * K, `a${M}${N}${K}`);
  const b = randomArray(K * N, `b${M}${N}${K}`);
  const bias = randomArray(N, `bias${N}`);
  const maskSrc = randomArray(f.mask === 'A' ? M * K : K * N, 'mask');
  const bufA = rt().acquire(a.byteLength);
  const bufB = rt().acquire(b.byteLength);
  const bufBias = rt().acquire(bias.byteLength);
  const bufMask = rt().acquire(maskSrc.byteLength);
  const bufC = rt().acquire(M * N * 4);
  rt().write(bufA, a);
  rt().write(bufB, b);
  rt().write(bufBias, bias);
  rt().write(bufMask, maskSrc);
  matmulInto(rt(), bufA, bufB, bufC, M, N, K, {
    transA: f.transA,
    transB: f.transB,
    relu: f.relu,
    bias: f.bias ? bufBias : undefined,
    maskA: f.mask === 'A' ? bufMask : undefined,
    maskB: f.mask === 'B' ? bufMask : undefined,
  }, impl);
  const c = await rt().readF32(bufC, M * N);
  for (const x of [bufA, bufB, bufBias, bufMask, bufC]) rt().release(x);
  const ref = matmulRef(a, b, M, N, K, {
    transA: f.transA,
    transB: f.transB,
    relu: f.relu,
    bias: f.bias ? bias : undefined,
    maskA: f.mask === 'A' ? maskSrc : undefined,
    maskB: f.mask === 'B' ? maskSrc : undefined,
  });
  return { c, ref };
}

describe.each<MatmulImpl>([...MATMUL_KERNELS, 'scalar', 'naive'])('matmul (%s) matches the float64 reference', (impl) => {
  // The subgroup kernel needs the adapter's `subgroups` feature with one fixed size.
  beforeEach((ctx) => {
    if (impl === 'subgroup' && !rt().gpu.subgroupSize) ctx.skip();
  });
  // The kernels the runtime chooses from run every shape; 'scalar' (kept for comparison) and the
  // naive reference a few (every pipeline variant costs a JIT compile on lavapipe).
  const mine = impl === 'blocked' || impl === 'subgroup' || impl === 'tiled';
  for (const [M, N, K] of shapes.filter((sh, i) => mine || i % 3 === 1)) {
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        it(`${M}x${N}x${K} transA=${transA} transB=${transB}`, async () => {
          const { c, ref } = await run(M, N, K, { transA, transB }, impl);
          expectClose(c, ref, tolFor(K), `${M}x${N}x${K}`);
        });
      }
  }
  // Split-K is measured per class (on for deep products on GPUs, off on lavapipe): forced on here.
  describe('split-K', () => {
    beforeAll(() => void (rt().splitK = true));
    afterAll(() => void (rt().splitK = 'auto'));
    for (const transA of [false, true])
      for (const transB of [false, true])
        it(`deep and narrow 33x10x1001 transA=${transA} transB=${transB}`, async () => {
          expect(splitKFor(33, 10, 1001)).toBeGreaterThan(1);
          const { c, ref } = await run(33, 10, 1001, { transA, transB }, impl);
          expectClose(c, ref, tolFor(1001));
        });
    it('keeps the fused bias + ReLU epilogue and the fused masks (40x10x700)', async () => {
      const { c, ref } = await run(40, 10, 700, { bias: true, relu: true }, impl);
      expectClose(c, ref, tolFor(700));
      for (const mask of ['A', 'B'] as const) {
        const m = await run(40, 10, 700, { mask, transA: mask === 'B' }, impl);
        expectClose(m.c, m.ref, tolFor(700));
      }
    });
  });
  it('fused bias + ReLU epilogue (255x257x31)', async () => {
    const { c, ref } = await run(255, 257, 31, { bias: true, relu: true }, impl);
    expectClose(c, ref, tolFor(31));
    expect(c.some((v) => v === 0)).toBe(true);
  });
  it.each(['A', 'B'] as const)('ReLU mask fused into the read of operand %s', async (mask) => {
    const { c, ref } = await run(37, 21, 19, { mask, transA: mask === 'B' }, impl);
    expectClose(c, ref, tolFor(19));
    const aligned = await run(36, 20, 16, { mask, transA: mask === 'B', transB: mask === 'A' }, impl);
    expectClose(aligned.c, aligned.ref, tolFor(16));
  });
});

describe('matmul op', () => {
  it('a shape mismatch names the op and both shapes', () => {
    const a = fromArray(rt(), randomArray(6, 'x'), 2, 3);
    const b = fromArray(rt(), randomArray(8, 'y'), 4, 2);
    expect(() => matmul(a, b)).toThrow(/matmul: inner dimensions differ.*\[2, 3\] vs \[4, 2\]/);
    a.dispose();
    b.dispose();
  });
});

// The subgroup kernel at the subgroup size this adapter runs: every transpose, the fused reads and
// split-K, at odd shapes. lavapipe reports one fixed size, its SIMD width: 8 by default here, 4, 16,
// 32 and 64 with LP_NATIVE_VECTOR_WIDTH=128, 512, 1024, 2048 (from 512 bits on it runs subgroups of
// 16 whatever it reports: the 255×257×31 product once lost half its columns at 32 and 64 because
// the kernel took a lane's columns from its lane id). `npm run test:drivers` runs this file (and
// the other kernel tests) at each of those sizes and on SwiftShader; CI at 32 and 64; every
// `npm test` at 4 below, in a child process. Size 16 is opt-in here (WEBGPU_DEC_SUBGROUP_16=1):
// LLVM compiles wide code slowly, 136 s for one shape's seven pipelines with a cold shader cache.
describe('matmul (subgroup) at this subgroup size', () => {
  const expected = process.env.WEBGPU_DEC_EXPECT_SUBGROUP;
  beforeEach((ctx) => {
    if (!rt().gpu.subgroupSize) ctx.skip();
  });
  it('reports the size asked for', () => {
    if (expected) expect(rt().gpu.subgroupSize).toBe(Number(expected));
    expect([4, 8, 16, 32, 64, 128]).toContain(rt().gpu.subgroupSize);
  });
  const cases: [number, number, number][] = [[7, 13, 5], [64, 44, 132], [255, 257, 31], [37, 70, 19]];
  for (const [M, N, K] of cases)
    it(`${M}x${N}x${K}, every transpose, masks, bias + ReLU`, async () => {
      for (const transA of [false, true])
        for (const transB of [false, true]) {
          const { c, ref } = await run(M, N, K, { transA, transB }, 'subgroup');
          expectClose(c, ref, tolFor(K), `${M}x${N}x${K} transA=${transA} transB=${transB}`);
        }
      for (const f of [{ bias: true, relu: true }, { mask: 'A' as const }, { mask: 'B' as const, transA: true }]) {
        const { c, ref } = await run(M, N, K, f, 'subgroup');
        expectClose(c, ref, tolFor(K), `${M}x${N}x${K} ${JSON.stringify(f)}`);
      }
    });
  it('split-K (40x10x700 and 64x12x1000)', async () => {
    rt().splitK = true;
    try {
      for (const [M, N, K] of [[40, 10, 700], [64, 12, 1000]]) {
        const { c, ref } = await run(M, N, K, { bias: true, relu: true, transB: true }, 'subgroup');
        expectClose(c, ref, tolFor(K), `${M}x${N}x${K}`);
      }
    } finally {
      rt().splitK = 'auto';
    }
  });
});

describe('subgroup sizes other than the default', () => {
  for (const [bits, size] of [[128, 4], [512, 16]])
    it(`lavapipe at ${bits}-bit vectors: subgroup size ${size}, the same checks in a child process`, async (ctx) => {
      if (process.env.WEBGPU_DEC_EXPECT_SUBGROUP) ctx.skip(); // already the child
      if (size === 16 && !process.env.WEBGPU_DEC_SUBGROUP_16) ctx.skip();
      if (!rt().gpu.subgroupSize || !/llvmpipe/.test(rt().adapterName)) ctx.skip();
      const r = spawnSync('npx', ['vitest', 'run', 'test/matmul.test.ts', '-t', 'matmul \\(subgroup\\) at this subgroup size'], {
        env: { ...process.env, LP_NATIVE_VECTOR_WIDTH: String(bits), WEBGPU_DEC_EXPECT_SUBGROUP: String(size) },
        encoding: 'utf8',
        timeout: 240_000,
      });
      const out = `${r.stdout}\n${r.stderr}`;
      expect(r.status, out.slice(-3000)).toBe(0);
      expect(out).toMatch(/6 passed/);
    }, 300_000);
});
