// The assignment pass and the model file: a model.safetensors built byte by byte here is read by
// the project's reader and applied to data in chunks; q, f, p, the hard assignments, the
// confidences and the KL loss match a float64 CPU reference.
import { describe, expect, it } from 'vitest';
import { assign } from '../src/dec/assign.js';
import { modelOnGpu, readModel } from '../src/model/model-file.js';
import { ChunkedRows } from '../src/tensor/index.js';
import { expectClose, handBuiltModel, randomArray, useRuntime } from './helpers.js';
import { linearAssignRef } from './reference.js';

const rt = useRuntime();

describe('the assignment pass on a hand-built model file', () => {
  // A one-layer encoder d = 5 -> d_z = 3 (the embedding is linear), k = 4 centres, α = 1.
  const [n, d, dz, k, alpha] = [301, 5, 3, 4, 1];
  const w = randomArray(d * dz, 'w');
  const b = randomArray(dz, 'b');
  const dw = randomArray(dz * d, 'dw');
  const db = randomArray(d, 'db');
  const mu = randomArray(k * dz, 'mu', -2, 2);
  const x = randomArray(n * d, 'x');
  const bytes = handBuiltModel(
    [['encoder.0.weight', [d, dz], w], ['encoder.0.bias', [dz], b], ['decoder.0.weight', [dz, d], dw], ['decoder.0.bias', [d], db], ['centers', [k, dz], mu]],
    { format: 'webgpu-dec/2', dims: `[${d},${dz}]`, k: String(k), alpha: String(alpha), preprocess: '{"rule":"none","factor":1}', image: 'null', preset: 'test', seed: '0', adapter: 'hand', version: '0' },
  );

  const reference = () => linearAssignRef({ x, n, d, w, b, mu, k, alpha });

  it('the reader takes the hand-built bytes: dims, k, α, preprocessing, tensors', () => {
    const m = readModel('hand.safetensors', bytes);
    expect(m.meta).toMatchObject({ dims: [d, dz], k, alpha, preprocess: { rule: 'none', factor: 1 }, image: null });
    expect(Array.from(m.tensors['encoder.0.weight'].data)).toEqual(Array.from(w));
    expect(Array.from(m.tensors.centers.data)).toEqual(Array.from(mu));
  });

  it.each([
    ['one chunk', { rows: n, rowsPerChunk: 1024, blockRows: 1024 }],
    ['chunks of 64 rows', { rows: n, rowsPerChunk: 64, blockRows: 64 }],
  ])('q, f, p, hard, confidence and KL match the float64 reference (%s)', async (_, plan) => {
    const model = modelOnGpu(rt(), readModel('hand.safetensors', bytes));
    const data = ChunkedRows.upload(rt(), plan, d, x);
    const p = new ChunkedRows(rt(), plan, k);
    const a = await assign(rt(), { ae: model.ae, mu: model.mu.buffer, k, alpha }, data, { target: p, confidence: true, kl: 'own' });
    const ref = reference();
    const tol = { atol: 1e-5, rtol: 1e-4 };
    expectClose(a.f, ref.f, tol, 'f');
    expectClose(await p.read(), ref.p, tol, 'p');
    expectClose(a.confidence!, ref.conf, tol, 'confidence');
    expect(a.kl!).toBeCloseTo(ref.kl, 5);
    // argmax may only differ where two q are within float32 noise of each other
    for (let i = 0; i < n; i++) if (a.hard[i] !== ref.hard[i]) expect(Math.abs(ref.q[i * k + a.hard[i]] - ref.conf[i])).toBeLessThan(1e-5);
    // KL against a given p equals KL against its own p when they are the same
    const again = await assign(rt(), { ae: model.ae, mu: model.mu.buffer, k, alpha }, data, { kl: p });
    expect(again.kl!).toBeCloseTo(a.kl!, 6);
    [data, p, model.ae, model.mu].forEach((t) => t.dispose());
  });

  it('a model whose tensors do not fit its dims is refused with one line', () => {
    const bad = handBuiltModel([['encoder.0.weight', [2, 2], new Float32Array(4)], ['centers', [k, dz], mu]], {
      format: 'webgpu-dec/2', dims: `[${d},${dz}]`, k: String(k), alpha: '1', preprocess: '{"rule":"none","factor":1}', image: 'null', preset: 'x', seed: '0', adapter: 'x', version: '0',
    });
    expect(() => modelOnGpu(rt(), readModel('bad.safetensors', bad), 'bad.safetensors')).toThrow(/bad.safetensors: encoder.0.weight is missing or has the wrong shape/);
    expect(() => readModel('other.safetensors', handBuiltModel([], { format: 'something-else' }))).toThrow(/not a webgpu-dec model/);
  });
});
