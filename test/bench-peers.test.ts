// The bench's PyTorch peer: its step timings where a Python with torch is found, and a reason the
// table can print where none is (the column is then left empty).
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { runTorchPeer } from '../bench/peer-torch.js';

const torchHere = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

describe('the PyTorch peer', () => {
  afterEach(() => void delete process.env.WEBGPU_DEC_PYTHON);

  it('without a Python that has torch: a line saying so and how to add it', () => {
    process.env.WEBGPU_DEC_PYTHON = '/nonexistent/python3';
    expect(runTorchPeer(true)).toBe("PyTorch peer skipped: no Python with torch (tried /nonexistent/python3); install Debian's python3-torch, or set WEBGPU_DEC_PYTHON");
  });
  it.skipIf(!torchHere)("with Debian's python3-torch: the AE and DEC steps' medians", () => {
    const r = runTorchPeer(true);
    if (typeof r === 'string') throw new Error(r);
    expect(r.cases.map((c) => c.name)).toEqual(['ae-step', 'dec-step']);
    for (const c of r.cases) {
      expect(c.median_ms).toBeGreaterThan(0);
      expect(c.min_ms).toBeLessThanOrEqual(c.median_ms);
      expect(c.max_ms).toBeGreaterThanOrEqual(c.median_ms);
    }
  });
});
