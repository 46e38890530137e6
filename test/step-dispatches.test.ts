// How much one training step records: the optimiser updates every parameter in one dispatch over
// its parameter arena, and a loss that backward() starts from writes its gradient in its forward
// kernel (no seed, no separate gradient dispatch). Exact counts for a small network, so that a
// change that adds dispatches to a step fails here.
import { describe, expect, it } from 'vitest';
import { Autoencoder } from '../src/nn/autoencoder.js';
import { makeRng } from '../src/random/rng.js';
import { Adam, Sgd, type ParamGroup } from '../src/nn/optim.js';
import { fromArray, keep, mseLoss, tidy } from '../src/tensor/index.js';
import { klLoss } from '../src/dec/dec-ops.js';
import type { Runtime } from '../src/gpu/runtime.js';
import { randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();

/** Dispatches by kernel family.entry, and buffer copies, of what `fn` records. */
function recorded(r: Runtime, fn: () => void): { dispatches: number; copies: number; byKernel: Record<string, number> } {
  const byKernel: Record<string, number> = {};
  let copies = 0;
  const { dispatch, copy } = r;
  r.dispatch = (k, ...rest) => {
    byKernel[`${k.file}.${k.entry}`] = (byKernel[`${k.file}.${k.entry}`] ?? 0) + 1;
    return dispatch.call(r, k, ...rest);
  };
  r.copy = (...args) => {
    copies++;
    return copy.call(r, ...args);
  };
  const before = r.stats.dispatches;
  try {
    fn();
  } finally {
    r.dispatch = dispatch;
    r.copy = copy;
  }
  return { dispatches: r.stats.dispatches - before, copies, byKernel };
}

/** The products' dispatches (whichever matmul kernel the adapter gets) and the rest by name. */
function summarise(byKernel: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(byKernel)) {
    const key = name.startsWith('matmul') ? 'products' : name;
    out[key] = (out[key] ?? 0) + n;
  }
  return out;
}

const dims = [13, 7, 5, 3];
const batch = 9;

function setup(kind: 'sgd' | 'adam' | 'dec') {
  const r = rt();
  const ae = new Autoencoder(r, dims, { kind: 'uniform-fan-in' }, makeRng('steps'));
  const x = keep(fromArray(r, randomArray(batch * dims[0], 'steps-x', 0, 1), batch, dims[0]));
  const mu = keep(fromArray(r, randomArray(4 * 3, 'steps-mu'), 4, 3, true));
  const p = keep(fromArray(r, new Float32Array(batch * 4).fill(1 / 4), batch, 4));
  const layers = kind === 'dec' ? ae.encoder : ae.layers;
  const groups: ParamGroup[] = layers.flatMap((l) => [{ param: l.weight }, { param: l.bias, lrMult: 2, decayMult: 0 }]);
  if (kind === 'dec') groups.push({ param: mu });
  const opt = kind === 'adam' ? new Adam(r, groups, { lr: 0.01 }) : new Sgd(r, groups, { lr: 0.01, momentum: 0.9 });
  const step = () =>
    tidy(() => {
      if (kind === 'dec') klLoss(ae.encode(x), mu, p, 1).backward();
      else mseLoss(ae.decode(ae.encode(x)), x).backward();
      opt.step();
    });
  const dispose = () => {
    opt.dispose();
    ae.dispose();
    [x, mu, p].forEach((t) => t.dispose());
  };
  return { r, step, dispose };
}

describe('dispatches per training step', () => {
  // Before the parameter arena and the fused losses: 38 (SGD), 39 (Adam: its t had a dispatch of
  // its own) and 24 (DEC). The products: 6 forward, 11 backward (the input needs no gradient).
  it.each([
    ['sgd', 25, 'optim.sgd'],
    ['adam', 25, 'optim.adam'],
  ] as const)('one autoencoder step (13-7-5-3 and mirror, %s): %i dispatches, one of them the update of all 12 parameters', async (kind, total, update) => {
    const { r, step, dispose } = setup(kind);
    step(); // pipelines built, arena filled
    r.flush();
    const s = recorded(r, step);
    expect(summarise(s.byKernel)).toEqual({ products: 17, 'loss.mse': 1, 'reduce.sum_rows': 6, [update]: 1 });
    expect(s.dispatches).toBe(total);
    // matmul's backward writes the weight and bias gradients straight into the arena (gradTarget):
    // nothing is copied.
    expect(s.copies).toBe(0);
    r.flush();
    dispose();
  });

  it('one DEC step (encoder 13-7-5-3, 4 centres): 16 dispatches; ∂L/∂μ is written in place', async () => {
    const { r, step, dispose } = setup('dec');
    step();
    r.flush();
    const s = recorded(r, step);
    expect(summarise(s.byKernel)).toEqual({
      products: 8,
      'dec.soft_assign': 1,
      'dec.kl_loss': 1,
      'dec.kl_grad_z': 1,
      'dec.kl_grad_mu': 1,
      'reduce.sum_rows': 3,
      'optim.sgd': 1,
    });
    expect(s.dispatches).toBe(16);
    expect(s.copies).toBe(0); // every gradient, μ's included, is written in its slot
    r.flush();
    dispose();
  });

  it.each(['sgd', 'adam'] as const)('steady state (%s): one submit a step, no new buffers, bind groups, uniforms or pipelines', async (kind) => {
    const { r, step, dispose } = setup(kind);
    // Adam alternates two uniforms (the slot its step count t is read from): both exist after 2 steps.
    for (let i = 0; i < 2; i++) {
      step();
      r.flush();
    }
    const s = r.stats;
    const before = { buffers: r.pool.created, pipelines: s.pipelinesCreated, bindGroups: s.bindGroupsCreated, uniforms: s.uniformsCreated, submits: s.submits };
    for (let i = 0; i < 10; i++) {
      step();
      r.flush();
    }
    await r.sync();
    expect({ buffers: r.pool.created, pipelines: s.pipelinesCreated, bindGroups: s.bindGroupsCreated, uniforms: s.uniformsCreated, submits: s.submits }).toEqual({ ...before, submits: before.submits + 10 });
    dispose();
  });
});
