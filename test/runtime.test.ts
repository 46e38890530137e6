import { describe, expect, it } from 'vitest';
import { Runtime } from '../src/gpu/runtime.js';
import { DeviceLostError } from '../src/gpu/errors.js';
import { READBACK_USAGE } from '../src/gpu/pool.js';
import { matmulInto } from '../src/tensor/ops/matmul.js';
import { settle } from '../src/gpu/wait.js';

describe('the GPU runtime', () => {
  it('reports errors raised after submit at the next sync, with the kernel named', async () => {
    const rt = await Runtime.create();
    const a = rt.acquire(64);
    const wrongUsage = rt.pool.acquire(64, READBACK_USAGE);
    let message = '';
    try {
      matmulInto(rt, a, a, wrongUsage, 2, 2, 2);
      rt.flush();
      await rt.sync();
    } catch (e) {
      message = String(e);
    } finally {
      rt.destroy();
    }
    expect(message).toMatch(/GPU error.*matmul/);
  });

  it('a lost device rejects pending waits instead of hanging', async () => {
    const rt = await Runtime.create();
    const buf = rt.acquire(1024);
    rt.device.destroy(); // not through rt.destroy(): the runtime sees an unexpected loss
    await expect(rt.readF32(buf, 4)).rejects.toThrow(DeviceLostError);
    rt.destroy();
  });

  it('settle resolves and rejects like the promise it waits on', async () => {
    await expect(settle(Promise.resolve(3))).resolves.toBe(3);
    await expect(settle(Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(settle(new Promise((r) => setTimeout(() => r(1), 5)))).resolves.toBe(1);
  });
});
