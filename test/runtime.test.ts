import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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

  it('a discarded buffer still serves the commands recorded before it, then its memory goes back to the pool', async () => {
    const rt = await Runtime.create();
    try {
      const [src, dst] = [rt.acquire(1 << 20), rt.acquire(1 << 20)];
      rt.write(src, new Float32Array(1 << 18).fill(3));
      rt.copy(src, dst, 1 << 20);
      const before = rt.pool.bytes;
      rt.discard(src); // before the copy is submitted
      expect(rt.pool.bytes).toBe(before);
      expect(Array.from(await rt.readF32(dst, 4))).toEqual([3, 3, 3, 3]); // the read submits: src is destroyed after
      expect(before - rt.pool.bytes).toBe((1 << 20) - 256); // less the read's 256-byte staging buffer
      expect(rt.pool.peak).toBeGreaterThanOrEqual(before);
      const again = rt.acquire(1 << 20); // a new buffer, not the destroyed one
      expect(again).not.toBe(src);
      rt.write(again, new Float32Array([5]));
      expect((await rt.readF32(again, 1))[0]).toBe(5);
    } finally {
      rt.destroy();
    }
  });

  it('a lost device rejects pending waits instead of hanging, with one line naming the adapter and the reason (exit code 3)', async () => {
    const rt = await Runtime.create();
    const buf = rt.acquire(1024);
    rt.device.destroy(); // not through rt.destroy(): the runtime sees an unexpected loss
    const err = await rt.readF32(buf, 4).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceLostError);
    const lost = err as DeviceLostError;
    expect(lost.message).toContain(`GPU device lost on adapter "${rt.adapterName}" (destroyed`);
    expect(lost.message).not.toContain('\n');
    expect([lost.exitCode, lost.reason, lost.adapter]).toEqual([3, 'destroyed', rt.adapterName]);
    rt.destroy();
  });

  it('runtimes destroyed and collected while the process goes on: no crash, and the process exits by itself', () => {
    // dawn.node's async runner keeps a raw pointer to the instance that create() returned; an
    // instance collected while its device or a buffer was still referenced (a destroyed runtime
    // kept by a caller, a tensor kept past the end) crashed the process (SIGSEGV or abort) at a
    // later GC. In a child, so that a crash fails this test instead of killing the test worker.
    const runtime = pathToFileURL(resolve('dist/src/gpu/runtime.js')).href;
    const script = `
      import { Runtime } from ${JSON.stringify(runtime)};
      const turn = () => new Promise((r) => setImmediate(r));
      const kept = [];
      for (let i = 0; i < 6; i++) {
        const rt = await Runtime.create({ robustness: i % 2 === 0 });
        const b = rt.acquire(64);
        if (i >= 3) {
          rt.write(b, new Float32Array([i]));
          if ((await rt.readF32(b, 1))[0] !== i) throw new Error('wrong value read back');
        }
        rt.destroy();
        kept.push(rt, b);
        for (let k = 0; k < 3; k++) { globalThis.gc(); await turn(); }
      }
      console.log('ok');`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect({ status: r.status, signal: r.signal, stdout: r.stdout.trim() }, r.stderr).toEqual({ status: 0, signal: null, stdout: 'ok' });
  });

  it('settle resolves and rejects like the promise it waits on', async () => {
    await expect(settle(Promise.resolve(3))).resolves.toBe(3);
    await expect(settle(Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(settle(new Promise((r) => setTimeout(() => r(1), 5)))).resolves.toBe(1);
  });
});
