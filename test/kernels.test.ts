// The kernel registry against the WGSL sources: every registered entry point exists in its family's
// shader file, every @compute function is registered, and every pipeline builds on the device with
// the registered binding kinds (Dawn rejects a layout that disagrees with the shader).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allKernels, kernels } from '../src/gpu/kernels.js';
import { packageRoot } from '../src/gpu/shaders.js';
import { useRuntime } from './helpers.js';

const rt = useRuntime();
const shaderDir = join(packageRoot(), 'shaders');

/** The @compute entry points of one WGSL file. */
function computeEntries(file: string): string[] {
  const src = readFileSync(join(shaderDir, file), 'utf8');
  return [...src.matchAll(/@compute\s+@workgroup_size\([^)]*\)\s*fn\s+(\w+)\s*\(/g)].map((m) => m[1]);
}

describe('kernel registry', () => {
  it('lists exactly the @compute entry points of shaders/, one family per file', () => {
    const files = readdirSync(shaderDir).filter((f) => f.endsWith('.wgsl')).sort();
    expect(Object.keys(kernels).sort()).toEqual(files.map((f) => f.replace(/\.wgsl$/, '')));
    for (const f of files) {
      const family = f.replace(/\.wgsl$/, '') as keyof typeof kernels;
      expect(Object.keys(kernels[family]).sort(), f).toEqual(computeEntries(f).sort());
    }
  });

  it('builds every pipeline with its registered binding kinds', async () => {
    const r = rt();
    for (const k of allKernels()) {
      if (k.file === 'matmul_subgroup' && !r.device.features.has('subgroups')) continue; // needs the feature
      r.device.pushErrorScope('validation');
      r.pipeline(k);
      const err = await r.device.popErrorScope();
      expect(err?.message ?? null, `${k.file}.${k.entry}`).toBeNull();
    }
  });
});
