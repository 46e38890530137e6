// The benchmark cases: matmul at DEC's shapes (ours, the naive kernel, the tfjs peer), one
// autoencoder training step, one DEC step, one full target update, and the cost of spinning waits.
import { Runtime } from '../src/gpu/runtime.js';
import { setWaitMode } from '../src/gpu/wait.js';
import { kernelFor, matmulInto } from '../src/tensor/ops/matmul.js';
import { availableMatmulKernels, describeChoice, uniformChoice, type MatmulKernel } from '../src/tensor/ops/matmul-classes.js';
import { augment, ChunkedRows, DropoutRng, fromArray, keep, mseLoss, planRows, tidy } from '../src/tensor/index.js';
import { Autoencoder } from '../src/nn/autoencoder.js';
import { makeRng, uniform } from '../src/random/rng.js';
import { Adam, Sgd } from '../src/nn/optim.js';
import { klLoss } from '../src/dec/dec-ops.js';
import { assign } from '../src/dec/assign.js';
import { measure, type MeasureOptions } from './measure.js';
import type { TfjsPeer } from './peer-tfjs.js';
import type { TorchPeer } from './peer-torch.js';

/**
 * Who computed a case: one of our product kernels by name, 'ours' (whole steps with the runtime's
 * kernel choice), 'robust' (the same with Dawn's robustness checks on), the naive kernel, or a peer
 * (tfjs-webgpu on the same adapter; PyTorch on the CPU for the training steps).
 */
export type Impl = 'ours' | 'blocked' | 'subgroup' | 'tiled' | 'robust' | 'naive' | 'tfjs-webgpu' | 'pytorch-cpu';

export interface Case {
  name: string;
  impl: Impl;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  gflops: number | null;
  /** FLOPs of one operation (null where it is not arithmetic). */
  flop: number | null;
  /** Bytes a product or step must move at least (operands read, results written once). */
  bytes: number | null;
  note?: string;
}

/** A case's work: FLOPs and the bytes it must move at least (null where it is not arithmetic). */
interface Work {
  flop: number | null;
  bytes: number | null;
}

interface Ctx {
  rt: Runtime;
  /** Only the products whose name contains this. */
  only?: string;
  /** A second runtime on the same adapter with Dawn's robustness checks on (the robustness suite). */
  robustRt?: () => Promise<Runtime>;
  peer: TfjsPeer | null;
  /** The PyTorch peer's step timings, or why there are none (the training suite). */
  torch: () => TorchPeer | string;
  opts: MeasureOptions;
  /** Smaller cases (a smoke run). */
  quick?: boolean;
  out: Case[];
  log: (line: string) => void;
}

/** Runs the operation `reps` times back to back, then waits for the GPU. */
type Op = (reps: number) => Promise<void>;

/**
 * Times one operation. A sample runs it `reps` times and waits once, so that on a fast GPU the
 * figure is the work, not one submit-and-wait round trip (~0.1–1 ms): reps is chosen so a sample
 * lasts ≥ `sampleMs` (20 ms: 1 on lavapipe for all but the smallest cases). Reported times are per operation.
 */
async function record(ctx: Ctx, name: string, impl: Impl, { flop, bytes }: Work, op: Op, note?: string, sampleMs = 20): Promise<void> {
  await op(1); // warm-up: pipelines compiled (llvmpipe's JIT), buffers allocated
  const t0 = performance.now();
  await op(1);
  const reps = Math.max(1, Math.min(200, Math.ceil(sampleMs / Math.max(performance.now() - t0, 1e-3))));
  const s = await measure(`${name} ${impl}`, () => op(reps), ctx.opts);
  const t = { medianMs: s.medianMs / reps, minMs: s.minMs / reps, maxMs: s.maxMs / reps };
  const c: Case = { name, impl, median_ms: t.medianMs, min_ms: t.minMs, max_ms: t.maxMs, gflops: flop ? flop / t.medianMs / 1e6 : null, flop, bytes };
  if (note) c.note = note;
  ctx.out.push(c);
  ctx.log(`${name.padEnd(34)} ${impl.padEnd(12)} ${t.medianMs.toFixed(2).padStart(9)} ms${c.gflops ? `  ${c.gflops.toFixed(1).padStart(6)} GFLOP/s` : ''}`);
}

/** The layer shapes of DEC's autoencoder at batch 256: [batch, in, out]. */
export const decShapes: [number, number, number][] = [
  [256, 784, 500],
  [256, 500, 500],
  [256, 500, 2000],
  [256, 2000, 10],
];

export async function matmulSuite(ctx: Ctx): Promise<void> {
  const { rt } = ctx;
  // For a layer y[B, out] = x[B, in] · W[in, out]: forward, dX = g · Wᵀ, dW = xᵀ · g.
  const products: { name: string; M: number; N: number; K: number; transA: boolean; transB: boolean }[] = [];
  for (const [b, i, o] of decShapes) {
    const base = `matmul ${b}x${i}x${o}`;
    products.push({ name: base, M: b, N: o, K: i, transA: false, transB: false });
    products.push({ name: `${base} dX`, M: b, N: i, K: o, transA: false, transB: true });
    products.push({ name: `${base} dW`, M: i, N: o, K: b, transA: true, transB: false });
  }
  products.push({ name: 'matmul 1024x1024x1024', M: 1024, N: 1024, K: 1024, transA: false, transB: false });
  for (const p of products.filter((q) => !ctx.only || q.name.includes(ctx.only))) {
    const work = productWork(p.M, p.N, p.K);
    const a = rt.acquire(p.M * p.K * 4);
    const b = rt.acquire(p.K * p.N * 4);
    const c = rt.acquire(p.M * p.N * 4);
    rt.write(a, uniform(p.M * p.K, 1, makeRng('a')));
    rt.write(b, uniform(p.K * p.N, 1, makeRng('b')));
    for (const impl of productKernels(rt)) {
      const note = impl === kernelFor(rt, 'auto', p) ? 'the kernel chosen for this adapter and shape' : undefined;
      await record(ctx, p.name, impl, work, async (reps) => {
        for (let r = 0; r < reps; r++) matmulInto(rt, a, b, c, p.M, p.N, p.K, { transA: p.transA, transB: p.transB }, impl);
        await rt.sync();
      }, note);
    }
    if (ctx.peer) await record(ctx, p.name, 'tfjs-webgpu', work, await ctx.peer.matmul(p.M, p.N, p.K, p.transA, p.transB));
    [a, b, c].forEach((x) => rt.release(x));
  }
}

/** Our product kernels this adapter can run (subgroup only with the feature), then the naive one. */
function productKernels(rt: Runtime): (MatmulKernel | 'naive')[] {
  return [...availableMatmulKernels(rt.gpu), 'naive'];
}

/** A product's FLOPs and its least traffic: A and B read once, C written once. */
function productWork(M: number, N: number, K: number): Work {
  return { flop: 2 * M * N * K, bytes: 4 * (M * K + K * N + M * N) };
}

/**
 * One training step of a stack of layers at `batch`: the products' FLOPs (forward, dW, and dX for
 * all but the first layer) and their least traffic, plus the optimiser's (parameter, gradient and
 * momentum read, parameter and momentum written).
 */
function stepWork(batch: number, layers: [number, number][]): Work {
  let flop = 0;
  let bytes = 0;
  layers.forEach(([i, o], l) => {
    const products = l === 0 ? [productWork(batch, o, i), productWork(i, o, batch)] : [productWork(batch, o, i), productWork(i, o, batch), productWork(batch, i, o)];
    for (const p of products) {
      flop += p.flop!;
      bytes += p.bytes!;
    }
    bytes += 5 * 4 * (i * o + o);
  });
  return { flop, bytes };
}

/** One autoencoder training step (forward, backward, SGD) on `rt`, timed as `impl`. */
async function aeStep(ctx: Ctx, rt: Runtime, impl: Impl, name = 'ae-step'): Promise<void> {
  const dims = [784, 500, 500, 2000, 10];
  const ae = new Autoencoder(rt, dims, { kind: 'uniform-fan-in' }, makeRng('ae'));
  const x = keep(fromArray(rt, uniform(256 * 784, 1, makeRng('x')).map(Math.abs), 256, 784));
  const layers = ae.layers.map((l) => [l.inFeatures, l.outFeatures] as [number, number]);
  const opt = new Sgd(rt, ae.layers.flatMap((l) => l.params.map((param) => ({ param }))), { lr: 0.01, momentum: 0.9 });
  const step = () => {
    tidy(() => {
      mseLoss(ae.decode(ae.encode(x)), x).backward();
      opt.step();
    });
    rt.flush(); // one submit per step
  };
  const before = rt.stats.dispatches;
  step();
  const dispatches = rt.stats.dispatches - before;
  await record(ctx, name, impl, stepWork(256, layers), async (reps) => {
    for (let r = 0; r < reps; r++) step();
    await rt.sync();
  }, `forward + backward + SGD, 784-500-500-2000-10 and mirror, batch 256; products: ${describeChoice(rt.products)}; ${dispatches} dispatches per step`);
  opt.dispose();
  x.dispose();
  ae.dispose();
}

export async function trainingSuite(ctx: Ctx): Promise<void> {
  const { rt } = ctx;
  // The runtime's kernel choice, then the blocked kernel everywhere as the baseline in the same process.
  await aeStep(ctx, rt, 'ours');
  const chosen = rt.products;
  if (availableMatmulKernels(rt.gpu).some((k) => k !== 'blocked')) {
    rt.products = uniformChoice('blocked', false, 'rules');
    try {
      await aeStep(ctx, rt, 'blocked');
    } finally {
      rt.products = chosen;
    }
  }
  const dims = [784, 500, 500, 2000, 10];
  const ae = new Autoencoder(rt, dims, { kind: 'uniform-fan-in' }, makeRng('ae'));
  const x = keep(fromArray(rt, uniform(256 * 784, 1, makeRng('x')).map(Math.abs), 256, 784));
  const layers = ae.layers.map((l) => [l.inFeatures, l.outFeatures] as [number, number]);

  const k = 10;
  const mu = keep(fromArray(rt, uniform(k * 10, 1, makeRng('mu')), k, 10, true));
  const p = keep(fromArray(rt, new Float32Array(256 * k).fill(1 / k), 256, k));
  const decOpt = new Sgd(rt, [...ae.encoder.flatMap((l) => l.params.map((param) => ({ param }))), { param: mu }], { lr: 0.01, momentum: 0.9 });
  await record(ctx, 'dec-step', 'ours', stepWork(256, layers.slice(0, 4)), async (reps) => {
    for (let r = 0; r < reps; r++) {
      tidy(() => {
        klLoss(ae.encode(x), mu, p, 1).backward();
        decOpt.step();
      });
      rt.flush();
    }
    await rt.sync();
  }, 'encoder forward + KL gradients + backward + SGD, batch 256');
  decOpt.dispose();

  // The PyTorch peer's same two steps, on the CPU (a separate process, timed the same way).
  const torch = ctx.torch();
  if (typeof torch === 'string') ctx.log(torch);
  else {
    const work: Record<string, Work> = { 'ae-step': stepWork(256, layers), 'dec-step': stepWork(256, layers.slice(0, 4)) };
    for (const t of torch.cases.filter((c) => c.name in work)) {
      const { flop, bytes } = work[t.name];
      const c: Case = { name: t.name, impl: 'pytorch-cpu', median_ms: t.median_ms, min_ms: t.min_ms, max_ms: t.max_ms, gflops: flop! / t.median_ms / 1e6, flop, bytes, note: `PyTorch ${torch.torch} on the CPU, ${torch.threads} threads (bench/peer_torch.py)` };
      ctx.out.push(c);
      ctx.log(`${t.name.padEnd(34)} ${'pytorch-cpu'.padEnd(12)} ${t.median_ms.toFixed(2).padStart(9)} ms  ${c.gflops!.toFixed(1).padStart(6)} GFLOP/s`);
    }
  }

  const n = ctx.quick ? 2000 : 10000;
  const all = ChunkedRows.upload(rt, planRows(rt, n, 784), 784, uniform(n * 784, 1, makeRng('all')).map(Math.abs));
  const target = new ChunkedRows(rt, all.plan, k);
  // The encoder's forward products over all n points (the q, p and argmax passes are small beside them).
  const encoder = layers.slice(0, 4).map(([i, o]) => productWork(n, o, i));
  const forward: Work = { flop: encoder.reduce((s, w) => s + w.flop!, 0), bytes: encoder.reduce((s, w) => s + w.bytes!, 0) };
  await record(ctx, 'target-update', 'ours', forward, async (reps) => {
    // The hard assignments come back for the tolerance check.
    for (let r = 0; r < reps; r++) await assign(rt, { ae, mu: mu.buffer, k, alpha: 1 }, all, { target });
  }, `the assignment pass over ${n.toLocaleString('en')} points: encoder, q, f, p, hard assignments read back`);
  target.dispose();
  all.dispose();
  [x, mu, p].forEach((t) => t.dispose());
  ae.dispose();
}

/**
 * Dawn's robustness checks on against off (the default): the widest forward product and one
 * autoencoder step, on a second device opened with the checks on, in the same process.
 */
export async function robustnessSuite(ctx: Ctx): Promise<void> {
  const { rt } = ctx;
  const robust = await ctx.robustRt!();
  robust.products = rt.products;
  try {
    const [M, N, K] = [256, 500, 784];
    for (const [r, impl] of [[rt, 'ours'], [robust, 'robust']] as const) {
      const a = r.acquire(M * K * 4);
      const b = r.acquire(K * N * 4);
      const c = r.acquire(M * N * 4);
      r.write(a, uniform(M * K, 1, makeRng('a')));
      r.write(b, uniform(K * N, 1, makeRng('b')));
      const note = `${kernelFor(r, 'auto', { M, N, K })} kernel, robustness checks ${r.gpu.robustness ? 'on' : 'off'}`;
      await record(ctx, `robustness matmul ${M}x${K}x${N}`, impl, productWork(M, N, K), async (reps) => {
        for (let i = 0; i < reps; i++) matmulInto(r, a, b, c, M, N, K);
        await r.sync();
      }, note);
      [a, b, c].forEach((x) => r.release(x));
      await aeStep(ctx, r, impl, 'robustness ae-step');
    }
  } finally {
    robust.destroy();
  }
}

/** Dawn's pending promises spin a core; our waits sleep. The same work, both ways. */
export async function waitSuite(ctx: Ctx): Promise<void> {
  const { rt } = ctx;
  const size = 1024;
  const a = rt.acquire(size * size * 4);
  const c = rt.acquire(size * size * 4);
  const mb = rt.acquire(1 << 20);
  for (const mode of ['sleep', 'spin'] as const) {
    setWaitMode(mode);
    const note = mode === 'sleep' ? 'waits sleep between event-loop turns (default)' : 'plain await: Dawn spins a core while pending';
    await record(ctx, `wait matmul 1024^3 (${mode})`, 'ours', productWork(size, size, size), async (reps) => {
      for (let r = 0; r < reps; r++) {
        matmulInto(rt, a, a, c, size, size, size);
        await rt.sync();
      }
    }, note);
    await record(ctx, `wait readback 1 MB (${mode})`, 'ours', { flop: null, bytes: null }, async (reps) => {
      for (let r = 0; r < reps; r++) await rt.read(mb, 1 << 20);
    }, note);
  }
  setWaitMode('sleep');
  [a, c, mb].forEach((b) => rt.release(b));
}

/**
 * The training steps as the presets run them, at three batch sizes: where a step's time goes as the
 * batch shrinks (a step's fixed cost weighs more). `pretrain-step`: forward + backward + Adam of the
 * autoencoder and its mirror on a batch warped by DEC-DA's warps (the quick preset's pretraining);
 * `dec-step`: the same warps, encoder forward, KL(P‖Q) gradients, backward, SGD with momentum over
 * the encoder and μ (its DEC). On the quick preset's d-256-256-512-10 network and the paper's
 * d-500-500-2000-10, d = 784. A sample runs steps back to back for at least 0.5 s and waits once,
 * as the training loop does (it never waits between steps).
 */
export async function stepsSuite(ctx: Ctx): Promise<void> {
  const { rt } = ctx;
  const nets: [string, number[]][] = [
    ['quick', [784, 256, 256, 512, 10]],
    ['paper', [784, 500, 500, 2000, 10]],
  ];
  const batches = ctx.quick ? [64] : [64, 128, 256];
  for (const [net, dims] of ctx.quick ? nets.slice(0, 1) : nets) {
    for (const B of batches) {
      const ae = new Autoencoder(rt, dims, { kind: 'uniform-fan-in' }, makeRng('ae'));
      const x = keep(fromArray(rt, uniform(B * 784, 1, makeRng('x')).map(Math.abs), B, 784));
      const layers = ae.layers.map((l) => [l.inFeatures, l.outFeatures] as [number, number]);
      const rng = new DropoutRng(rt, 0);
      const warps = { h: 28, w: 28, rotate: 10, shift: 0.1 };
      const adam = new Adam(rt, ae.layers.flatMap((l) => [{ param: l.weight }, { param: l.bias }]), { lr: 1e-3 });
      const k = 10;
      const mu = keep(fromArray(rt, uniform(k * 10, 1, makeRng('mu')), k, 10, true));
      const p = keep(fromArray(rt, new Float32Array(B * k).fill(1 / k), B, k));
      const sgd = new Sgd(rt, [...ae.encoder.flatMap((l) => [{ param: l.weight }, { param: l.bias }]), { param: mu }], { lr: 0.01, momentum: 0.9 });
      const steps: [string, () => void, Work][] = [
        [
          'pretrain-step',
          () => {
            const xb = augment(x, rng, warps);
            mseLoss(ae.decode(ae.encode(xb)), xb).backward();
            adam.step();
          },
          stepWork(B, layers),
        ],
        [
          'dec-step',
          () => {
            klLoss(ae.encode(augment(x, rng, warps)), mu, p, 1).backward();
            sgd.step();
          },
          stepWork(B, layers.slice(0, 4)),
        ],
      ];
      for (const [name, body, work] of steps) {
        const step = () => {
          rng.next();
          tidy(body);
          rt.flush(); // one submit per step
        };
        const before = rt.stats.dispatches;
        step();
        const dispatches = rt.stats.dispatches - before;
        await record(ctx, `${name} ${net} b${B}`, 'ours', work, async (reps) => {
          for (let r = 0; r < reps; r++) step();
          await rt.sync();
        }, `${dims.join('-')}${name === 'pretrain-step' ? ' and mirror' : ''}, batch ${B}, warped; ${dispatches} dispatches per step`, 500);
      }
      sgd.dispose();
      adam.dispose();
      rng.dispose();
      for (const t of [x, mu, p]) t.dispose();
      ae.dispose();
    }
  }
}
