import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/webgpu-dec.js', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });

/** stderr without Dawn's own start-up warnings. */
const errLines = (s: string) => s.split('\n').filter((l) => l && !l.startsWith('Warning: '));

describe('the command line', () => {
  it('info prints the adapter and its limits, and the process exits by itself', () => {
    const r = cli(['info']);
    expect(r.error, 'the process must exit by itself (no timeout)').toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/vendor:/);
    expect(r.stdout).toMatch(/maxStorageBufferBindingSize\s+\d+/);
    expect(r.stdout).toMatch(/features:/);
  });
  it('an adapter that is not there: one line naming the fix, non-zero exit', () => {
    const r = cli(['info'], { WEBGPU_DEC_ADAPTER: 'no-such-adapter-xyz' });
    expect(r.status).not.toBe(0);
    const lines = errLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no WebGPU adapter found matching "no-such-adapter-xyz".*install-software-gpu\.sh/);
  });
  it('an unknown command is one line and exit 1', () => {
    const r = cli(['frobnicate']);
    expect(r.status).toBe(1);
    expect(errLines(r.stderr)).toEqual(['webgpu-dec: unknown command "frobnicate"; run "webgpu-dec help" for the list']);
  });
});
