import { describe, expect, it } from 'vitest';
import { Adam, Sgd } from '../src/nn/optim.js';
import { biasAdd, ChunkedRows, fromArray, keep, sum, tidy, type Tensor } from '../src/tensor/index.js';
import { ShuffledBatches } from '../src/data/batches.js';
import { expectClose, randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();
const tol = { atol: 1e-6, rtol: 1e-5 };

describe('minibatch gather', () => {
  it('batch rows follow the permutation (7 × 13 data, batches of 3), in one chunk or several', async () => {
    const x = randomArray(7 * 13, 'gx');
    const perm = new Uint32Array([6, 2, 0, 5, 1, 3, 4]);
    const ref = [5, 1, 3].flatMap((r) => Array.from(x.subarray(r * 13, (r + 1) * 13)));
    for (const rowsPerChunk of [7, 2]) {
      const data = ChunkedRows.upload(rt(), { rows: 7, rowsPerChunk, blockRows: rowsPerChunk }, 13, x);
      expect(data.chunks).toHaveLength(Math.ceil(7 / rowsPerChunk));
      const batches = new ShuffledBatches(rt(), data);
      batches.setPermutation(perm);
      expectClose(await batches.batch(3, 3).toArray(), ref, { atol: 0, rtol: 0 });
      batches.dispose();
      data.dispose();
    }
  });
  it('contiguous slices may straddle chunks', async () => {
    const x = randomArray(9 * 5, 'sx');
    const data = ChunkedRows.upload(rt(), { rows: 9, rowsPerChunk: 4, blockRows: 4 }, 5, x);
    expectClose(await data.slice(2, 6).toArray(), x.subarray(2 * 5, 8 * 5), { atol: 0, rtol: 0 });
    expectClose(await data.read(), x, { atol: 0, rtol: 0 });
    data.dispose();
  });
});

// ---- the fused optimiser: every parameter in one dispatch over a parameter arena ----------------

/** Parameters of odd shapes (one element, one column, a block and one past it), each with its own multipliers. */
const shapes: { rows: number; cols: number; lrMult: number; decayMult: number }[] = [
  { rows: 1, cols: 7, lrMult: 1, decayMult: 1 },
  { rows: 13, cols: 5, lrMult: 2, decayMult: 0 },
  { rows: 3, cols: 1, lrMult: 0.5, decayMult: 2 },
  { rows: 1, cols: 65, lrMult: 1.5, decayMult: 0.5 },
  { rows: 8, cols: 8, lrMult: 3, decayMult: 1 },
  { rows: 1, cols: 1, lrMult: 1, decayMult: 1 },
];

/** Float64 state of one parameter in the reference. */
interface RefParam {
  p: Float64Array;
  v: Float64Array;
  m: Float64Array;
  lrMult: number;
  decayMult: number;
}

function arenaSetup(tag: string) {
  const p0 = shapes.map((s, i) => randomArray(s.rows * s.cols, `${tag}-p${i}`));
  const params = shapes.map((s, i) => keep(fromArray(rt(), p0[i], s.rows, s.cols, true)));
  const groups = shapes.map((s, i) => ({ param: params[i], lrMult: s.lrMult, decayMult: s.decayMult }));
  const ref: RefParam[] = shapes.map((s, i) => ({ p: Float64Array.from(p0[i]), v: new Float64Array(p0[i].length), m: new Float64Array(p0[i].length), ...s }));
  const gradsAt = (step: number) => shapes.map((s, i) => randomArray(s.rows * s.cols, `${tag}-g${step}-${i}`));
  return { params, groups, ref, gradsAt };
}

/** Caffe's SGD in float64: v ← μ v + η·lr_mult (g + λ·decay_mult · p);  p ← p − v */
function sgdRef(r: RefParam, g: ArrayLike<number>, o: { lr: number; momentum: number; weightDecay: number }): void {
  for (let i = 0; i < r.p.length; i++) {
    r.v[i] = o.momentum * r.v[i] + o.lr * r.lrMult * (g[i] + o.weightDecay * r.decayMult * r.p[i]);
    r.p[i] -= r.v[i];
  }
}

/** Adam with bias correction in float64, at step t (1-based). */
function adamRef(r: RefParam, g: ArrayLike<number>, t: number, o: { lr: number; weightDecay: number; beta1: number; beta2: number; eps: number }): void {
  for (let i = 0; i < r.p.length; i++) {
    const grad = g[i] + o.weightDecay * r.decayMult * r.p[i];
    r.m[i] = o.beta1 * r.m[i] + (1 - o.beta1) * grad;
    r.v[i] = o.beta2 * r.v[i] + (1 - o.beta2) * grad * grad;
    r.p[i] -= (o.lr * r.lrMult * (r.m[i] / (1 - o.beta1 ** t))) / (Math.sqrt(r.v[i] / (1 - o.beta2 ** t)) + o.eps);
  }
}

async function expectParams(params: Tensor[], ref: RefParam[], t: { atol: number; rtol: number }, what: string): Promise<void> {
  for (let i = 0; i < params.length; i++) expectClose(await params[i].toArray(), ref[i].p, t, `${what}: parameter ${i}`);
}

describe('the fused optimiser over a parameter arena', () => {
  it('SGD: six odd-shaped parameters with their own lr / decay multipliers, momentum and weight decay, over 3 steps, in one dispatch a step', async () => {
    const { params, groups, ref, gradsAt } = arenaSetup('fs');
    const o = { lr: 0.1, momentum: 0.9, weightDecay: 0.01 };
    const opt = new Sgd(rt(), groups, o);
    for (let step = 0; step < 3; step++) {
      const grads = gradsAt(step);
      params.forEach((p, i) => (p.grad = keep(fromArray(rt(), grads[i], p.rows, p.cols))));
      const before = rt().stats.dispatches;
      opt.step();
      expect(rt().stats.dispatches - before).toBe(1);
      ref.forEach((r, i) => sgdRef(r, grads[i], o));
    }
    await expectParams(params, ref, tol, 'SGD');
    const state = await opt.exportState();
    expect(state.t).toBe(3);
    state.v.forEach((v, i) => expectClose(v, ref[i].v, tol, `SGD v of parameter ${i}`));
    opt.dispose();
    params.forEach((p) => p.dispose());
  });

  it('Adam: the same parameters, with bias correction, weight decay and multipliers, over 3 steps', async () => {
    const { params, groups, ref, gradsAt } = arenaSetup('fa');
    const o = { lr: 0.01, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const opt = new Adam(rt(), groups, o);
    for (let step = 0; step < 3; step++) {
      const grads = gradsAt(step);
      params.forEach((p, i) => (p.grad = keep(fromArray(rt(), grads[i], p.rows, p.cols))));
      const before = rt().stats.dispatches;
      opt.step();
      expect(rt().stats.dispatches - before).toBe(1); // the step count t advances in the same dispatch
      ref.forEach((r, i) => adamRef(r, grads[i], step + 1, o));
    }
    await expectParams(params, ref, { atol: 1e-5, rtol: 1e-4 }, 'Adam'); // f32 bias correction: ~1e-4 of the step
    const state = await opt.exportState();
    expect(state.t).toBe(3);
    state.m.forEach((m, i) => expectClose(m, ref[i].m, tol, `Adam m of parameter ${i}`));
    state.v.forEach((v, i) => expectClose(v, ref[i].v, { atol: 1e-9, rtol: 1e-4 }, `Adam v of parameter ${i}`));
    opt.dispose();
    params.forEach((p) => p.dispose());
  });

  it('a parameter without a gradient keeps its values and state; t still counts the step', async () => {
    const { params, groups, ref, gradsAt } = arenaSetup('fm');
    const o = { lr: 0.01, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const opt = new Adam(rt(), groups, o);
    const has = [[0, 1, 2, 3, 4, 5], [1, 3], [], [0, 1, 2, 3, 4, 5]];
    for (let step = 0; step < has.length; step++) {
      const grads = gradsAt(step);
      for (const i of has[step]) params[i].grad = keep(fromArray(rt(), grads[i], params[i].rows, params[i].cols));
      opt.step();
      for (const i of has[step]) adamRef(ref[i], grads[i], step + 1, o);
    }
    await expectParams(params, ref, { atol: 1e-5, rtol: 1e-4 }, 'Adam with some gradients missing');
    expect((await opt.exportState()).t).toBe(4);
    opt.dispose();
    params.forEach((p) => p.dispose());
  });

  it('exportState gives each parameter its v and m in order; importState into a new optimiser continues bit for bit', async () => {
    const a = arenaSetup('fe');
    const b = arenaSetup('fe');
    const o = { lr: 0.01, beta1: 0.8, beta2: 0.99 };
    const optA = new Adam(rt(), a.groups, o);
    const feed = (params: Tensor[], step: number) => {
      const grads = a.gradsAt(step);
      params.forEach((p, i) => (p.grad = keep(fromArray(rt(), grads[i], p.rows, p.cols))));
    };
    for (let step = 0; step < 2; step++) {
      feed(a.params, step);
      optA.step();
    }
    const state = await optA.exportState();
    expect(state.v.map((v) => v.length)).toEqual(shapes.map((s) => s.rows * s.cols));
    expect(state.m.map((m) => m.length)).toEqual(shapes.map((s) => s.rows * s.cols));
    // b: the same weights as a's now, and a's state.
    for (let i = 0; i < shapes.length; i++) rt().write(b.params[i].buffer, await a.params[i].toArray());
    const optB = new Adam(rt(), b.groups, o);
    optB.importState(state);
    feed(a.params, 2);
    optA.step();
    feed(b.params, 2);
    optB.step();
    for (let i = 0; i < shapes.length; i++) expect(await b.params[i].toArray()).toEqual(await a.params[i].toArray());
    expect(() => optB.importState({ ...state, v: state.v.slice(1) })).toThrow(/parameter 0 has 7 values, its v 65/);
    for (const opt of [optA, optB]) opt.dispose();
    [...a.params, ...b.params].forEach((p) => p.dispose());
  });

  it('borrows its parameters: their buffers stand for the arena until dispose() gives them back, values and all', async () => {
    const { params, groups, ref, gradsAt } = arenaSetup('fb');
    const o = { lr: 0.1, momentum: 0.5, weightDecay: 0 };
    const opt = new Sgd(rt(), groups, o);
    for (const p of params) expect(rt().views.rangeOf(p.buffer)).toBeDefined();
    // A write through the parameter's own buffer (a checkpoint being loaded) lands in the arena.
    const w = randomArray(7, 'fb-write');
    rt().write(params[0].buffer, w);
    ref[0].p = Float64Array.from(w);
    const grads = gradsAt(0);
    params.forEach((p, i) => (p.grad = keep(fromArray(rt(), grads[i], p.rows, p.cols))));
    opt.step();
    ref.forEach((r, i) => sgdRef(r, grads[i], o));
    opt.dispose();
    for (const p of params) {
      expect(rt().views.rangeOf(p.buffer)).toBeUndefined();
      expect(p.gradSlot).toBeNull();
    }
    await expectParams(params, ref, tol, 'after dispose');
    params.forEach((p) => p.dispose());
  });

  it('two optimisers over one parameter: each step starts from the latest values', async () => {
    const p0 = randomArray(70, 'f2-p');
    const param = keep(fromArray(rt(), p0, 7, 10, true));
    const o = { lr: 0.1, momentum: 0.9, weightDecay: 0 };
    const refA: RefParam = { p: Float64Array.from(p0), v: new Float64Array(70), m: new Float64Array(70), lrMult: 1, decayMult: 1 };
    const refB: RefParam = { ...refA, v: new Float64Array(70), lrMult: 2 };
    const optA = new Sgd(rt(), [{ param }], o);
    const optB = new Sgd(rt(), [{ param, lrMult: 2 }], o);
    for (const [step, opt, ref] of [[0, optA, refA], [1, optB, refB], [2, optA, refA], [3, optB, refB]] as const) {
      const g = randomArray(70, `f2-g${step}`);
      param.grad = keep(fromArray(rt(), g, 7, 10));
      opt.step();
      sgdRef(ref, g, o);
      (ref === refA ? refB : refA).p = ref.p; // one set of weights, two momenta
    }
    expectClose(await param.toArray(), refB.p, tol, 'two optimisers');
    optA.dispose();
    optB.dispose();
    expectClose(await param.toArray(), refB.p, tol, 'after both are disposed');
    param.dispose();
  });

  it('an op that can write a parameter gradient in place, in its slot of the gradient arena (no copy)', async () => {
    const bias = keep(fromArray(rt(), randomArray(5, 'fg-b'), 1, 5, true));
    const x = fromArray(rt(), randomArray(15, 'fg-x'), 3, 5);
    const opt = new Sgd(rt(), [{ param: bias }], { lr: 0.1 });
    tidy(() => sum(biasAdd(x, bias)).backward());
    expect(bias.grad).toBe(bias.gradSlot);
    expectClose(await bias.grad!.toArray(), [3, 3, 3, 3, 3], { atol: 0, rtol: 0 }, 'Σ_rows of ones');
    opt.step();
    expect(bias.grad).toBeNull();
    opt.dispose();
    [bias, x].forEach((t) => t.dispose());
  });
});
