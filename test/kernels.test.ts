// The kernel registry against the WGSL sources: every shader file has one family, declared by the
// room that dispatches it (families.ts imports them all); every registered entry point exists in
// its family's shader file, every @compute function is registered, each family's uniform struct has
// the declared fields in the declared order, and every pipeline builds on the device with the
// registered binding kinds (Dawn rejects a layout that disagrees with the shader).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allKernels, registeredFamilies } from '../src/gpu/registry.js';
import { packageRoot, shaderSource } from '../src/gpu/shaders.js';
import { FAMILIES } from './families.js';
import { useRuntime } from './helpers.js';

const rt = useRuntime();
const shaderDir = join(packageRoot(), 'shaders');

/** The @compute entry points of one family's shader, its generated part included. */
function computeEntries(file: string): string[] {
  const src = shaderSource(file);
  return [...src.matchAll(/@compute\s+@workgroup_size\([^)]*\)\s*fn\s+(\w+)\s*\(/g)].map((m) => m[1]);
}

/** The fields of the uniform struct bound at @binding(0) of one WGSL file, in order: [name, type]. */
export function uniformStruct(file: string): [string, string][] {
  const src = readFileSync(join(shaderDir, file), 'utf8');
  const type = /@binding\(0\)\s+var<uniform>\s+\w+\s*:\s*(\w+)/.exec(src)?.[1];
  if (!type) return [];
  const body = new RegExp(`struct\\s+${type}\\s*\\{([^}]*)\\}`).exec(src)![1];
  return [...body.replace(/\/\/[^\n]*/g, '').matchAll(/(\w+)\s*:\s*(\w+)/g)].map((m) => [m[1], m[2]]);
}

describe('kernel registry', () => {
  it("declares each family's uniform struct as its shader does: the same fields, types and order", () => {
    for (const f of registeredFamilies()) expect(Object.entries(f.layout), f.file).toEqual(uniformStruct(`${f.file}.wgsl`));
  });

  it('packs a uniform by field name: each value at its field, pads 0', () => {
    const bytes = FAMILIES.tsne.params({ k: 7, n: 3, min_gain: 0.5 }).bytes;
    const u32 = new Uint32Array(bytes.buffer);
    const f32 = new Float32Array(bytes.buffer);
    expect([u32[0], u32[1], f32[2], f32[6], u32[7]]).toEqual([3, 0, 0, 0.5, 7]);
    expect(Array.from(new Uint32Array(FAMILIES.gather.params({ rows: 5 }).bytes.buffer))).toEqual([5, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('lists exactly the @compute entry points of shaders/, one family per file', () => {
    const files = readdirSync(shaderDir).filter((f) => f.endsWith('.wgsl')).sort();
    const registered = registeredFamilies();
    expect(registered.map((f) => f.file).sort(), 'the registered families').toEqual(files.map((f) => f.replace(/\.wgsl$/, '')));
    expect(Object.keys(FAMILIES).sort(), 'the families of families.ts').toEqual(registered.map((f) => f.file).sort());
    for (const f of registered) expect(Object.keys(f.kernels).sort(), f.file).toEqual(computeEntries(f.file).sort());
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
