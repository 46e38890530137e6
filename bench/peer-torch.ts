// The PyTorch peer of the training steps: bench/peer_torch.py, run with env WEBGPU_DEC_PYTHON where
// set, else the first Python that has torch: /usr/bin/python3 (Debian's python3-torch installs
// there), then python3 on the PATH; on the CPU with every core. Its steps are the ones trainingSuite
// times: the same shapes, batch and optimiser. Without torch the column is skipped, with a note
// saying why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/gpu/shaders.js';

export interface TorchCase {
  name: string;
  median_ms: number;
  min_ms: number;
  max_ms: number;
}

export interface TorchPeer {
  torch: string;
  threads: number;
  cases: TorchCase[];
}

/** The Pythons to try, in order: WEBGPU_DEC_PYTHON alone where it is set (both Python peers: PyTorch, scikit-learn). */
export function pythons(): string[] {
  if (process.env.WEBGPU_DEC_PYTHON) return [process.env.WEBGPU_DEC_PYTHON];
  return ['/usr/bin/python3', 'python3'];
}

/** The peer's timings, or why there are none. */
export function runTorchPeer(quick: boolean): TorchPeer | string {
  const script = join(packageRoot(), 'bench', 'peer_torch.py');
  if (!existsSync(script)) return `PyTorch peer skipped: ${script} is missing`;
  const tried: string[] = [];
  for (const py of pythons()) {
    const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      tried.push(py);
      continue;
    }
    const r = spawnSync(py, [script, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) return `PyTorch peer failed (${py}): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
    return JSON.parse(r.stdout) as TorchPeer;
  }
  return `PyTorch peer skipped: no Python with torch (tried ${tried.join(', ')}); install Debian's python3-torch, or set WEBGPU_DEC_PYTHON`;
}
