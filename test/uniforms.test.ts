// The uniform cache stays bounded when a kernel's scalars change every call, and recycling its
// buffers never changes what a recorded dispatch reads.
import { describe, expect, it } from 'vitest';
import { FAMILIES as F } from './families.js';
import { UNIFORM_CACHE_LIMIT, type Uniform, type Runtime } from '../src/gpu/runtime.js';
import { primitive } from '../src/tensor/ops/primitives.js';
import { useRuntime } from './helpers.js';

const rt = useRuntime();

/** Reads the first `floats` values of each buffer with one readback (copies into one buffer). */
async function gather(r: Runtime, buffers: GPUBuffer[], floats: number): Promise<Float32Array> {
  const all = r.acquire(buffers.length * floats * 4);
  buffers.forEach((b, i) => r.copy(b, all, floats * 4, 0, i * floats * 4));
  const out = await r.readF32(all, buffers.length * floats);
  r.release(all);
  return out;
}

/** The n = 4 'fill' dispatch with value v: its uniform is {4, 0, 1, v}. */
function fill4(r: Runtime, value: number, out: GPUBuffer): void {
  primitive(r, 'fill', 4, 0, 1, value, [r.scratch, r.scratch], out);
}

function fillUniform(value: number): Uniform {
  return F.primitives.params({ n: 4, cols: 0, alpha: 1, beta: value });
}

describe('the uniform cache', () => {
  it('stays bounded over 10,000 dispatches whose scalar changes every call, with every result right', async () => {
    const r = rt();
    const perFlush = 10;
    const ones = r.acquire(16);
    r.write(ones, new Float32Array([1, 1, 1, 1]));
    const acc = Array.from({ length: perFlush }, () => r.acquire(16));
    for (const b of acc) r.write(b, new Float32Array(4));
    const hot = r.acquire(16);
    const expected = new Float64Array(perFlush);
    // acc[j] += alpha·1 with alpha = (i + 1)/4: distinct every call, and every partial sum
    // (< 2^24 quarters) is exact in f32, so any dispatch that read a wrong uniform shows.
    const check = async () => {
      const got = await gather(r, acc, 4);
      for (let j = 0; j < perFlush; j++) {
        expect(Array.from(got.subarray(4 * j, 4 * j + 4)), `acc[${j}]`).toEqual(Array(4).fill(expected[j]));
      }
      expect(Array.from(await r.readF32(hot, 4))).toEqual([7, 7, 7, 7]);
    };
    const s = r.stats;
    let half = { uniforms: 0, bindGroupsCreated: 0, buffers: 0, bindGroups: 0 };
    for (let i = 0; i < 10_000; i++) {
      const alpha = (i + 1) / 4;
      primitive(r, 'axpy', 4, 0, alpha, 0, [ones, ones], acc[i % perFlush]);
      expected[i % perFlush] += alpha;
      if (i % perFlush === perFlush - 1) {
        fill4(r, 7, hot); // the same content every flush: stays cached, its bind group too
        r.flush();
        expect(r.cached.uniforms).toBeLessThanOrEqual(UNIFORM_CACHE_LIMIT);
      }
      if (i % 1000 === 999) await check();
      if (i === 4999) {
        const bindGroups = r.cached.bindGroups;
        half = { uniforms: s.uniformsCreated, bindGroupsCreated: s.bindGroupsCreated, buffers: r.pool.created, bindGroups };
      }
    }
    await check();
    // Second half: no new uniform or pooled buffer; a bind group per new content only (the hot
    // one was never recycled), and the bind-group cache no bigger than at half-time.
    expect(s.uniformsCreated).toBe(half.uniforms);
    expect(s.uniformsCreated).toBeLessThanOrEqual(UNIFORM_CACHE_LIMIT + perFlush + 1);
    expect(r.pool.created).toBe(half.buffers);
    expect(s.bindGroupsCreated - half.bindGroupsCreated).toBe(5000);
    expect(r.cached.bindGroups).toBeLessThanOrEqual(half.bindGroups);
    expect(r.cached.bindGroups).toBeLessThanOrEqual(UNIFORM_CACHE_LIMIT + 16);
    expect(r.cached.freeUniforms).toBeLessThanOrEqual(UNIFORM_CACHE_LIMIT);
    for (const b of [ones, hot, ...acc]) r.release(b);
  });

  it('recycles nothing recorded before a flush; a rewrite right after it leaves the submitted work alone', async () => {
    const r = rt();
    const s = r.stats;
    // Batch A: more distinct contents than the bound, all in one command buffer.
    const countA = UNIFORM_CACHE_LIMIT + 50;
    const outA = Array.from({ length: countA }, () => r.acquire(16));
    outA.forEach((b, m) => fill4(r, 100_000 + m, b));
    expect(r.cached.uniforms).toBeGreaterThanOrEqual(countA); // over the bound until the flush
    const buffersA = new Set(outA.map((_, m) => r.uniform(fillUniform(100_000 + m))));
    const recycled = s.uniformsRecycled;
    r.flush();
    expect(r.cached.uniforms).toBeLessThanOrEqual(UNIFORM_CACHE_LIMIT);
    expect(s.uniformsRecycled - recycled).toBeGreaterThanOrEqual(50);
    // Batch B, recorded at once: new contents written into buffers that A's submitted (maybe
    // not yet executed) dispatches bound. The queue orders those writes after A.
    const outB = Array.from({ length: 100 }, () => r.acquire(16));
    outB.forEach((b, m) => fill4(r, 200_000 + m, b));
    const reused = outB.filter((_, m) => buffersA.has(r.uniform(fillUniform(200_000 + m)))).length;
    expect(reused).toBeGreaterThanOrEqual(50);
    r.flush();
    const gotA = await gather(r, outA, 4);
    const gotB = await gather(r, outB, 4);
    outA.forEach((_, m) => expect(Array.from(gotA.subarray(4 * m, 4 * m + 4)), `A[${m}]`).toEqual(Array(4).fill(100_000 + m)));
    outB.forEach((_, m) => expect(Array.from(gotB.subarray(4 * m, 4 * m + 4)), `B[${m}]`).toEqual(Array(4).fill(200_000 + m)));
    for (const b of [...outA, ...outB]) r.release(b);
  });
});
