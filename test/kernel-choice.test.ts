// Which product kernel each adapter gets (src/gpu/kernel-choice.ts), on described adapters: the rules
// the README's Performance section states, and the WEBGPU_DEC_MATMUL override.
import { afterEach, describe, expect, it } from 'vitest';
import { chooseMatmulKernel } from '../src/gpu/kernel-choice.js';
import type { GpuDevice } from '../src/gpu/device.js';

function adapter(description: string, subgroupSize: number | null, software = true): GpuDevice {
  const mesa = /Mesa (\d+)\.(\d+)/.exec(description);
  return { subgroupSize, isSoftware: software, mesaVersion: mesa ? [Number(mesa[1]), Number(mesa[2])] : null } as unknown as GpuDevice;
}

describe('chooseMatmulKernel', () => {
  afterEach(() => void delete process.env.WEBGPU_DEC_MATMUL);

  it('lavapipe before Mesa 25.1: the blocked kernel, with or without subgroups', () => {
    expect(chooseMatmulKernel(adapter('llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)', 8))).toBe('blocked');
    expect(chooseMatmulKernel(adapter('llvmpipe: Mesa 22.3.6', null))).toBe('blocked');
  });
  it('lavapipe from Mesa 25.1 with subgroups: the subgroup kernel; without them: blocked', () => {
    expect(chooseMatmulKernel(adapter('llvmpipe: Mesa 26.1.6-1~bpo13+1 (LLVM 19.1.7)', 8))).toBe('subgroup');
    expect(chooseMatmulKernel(adapter('llvmpipe: Mesa 25.1.0', 8))).toBe('subgroup');
    expect(chooseMatmulKernel(adapter('llvmpipe: Mesa 26.1.6', null))).toBe('blocked');
  });
  it('GPUs: the tiled kernel', () => {
    expect(chooseMatmulKernel(adapter('NVIDIA: 580.159.04', 32, false))).toBe('tiled');
    expect(chooseMatmulKernel(adapter('AMD RADV: Mesa 25.0.7', 64, false))).toBe('tiled');
  });
  it('WEBGPU_DEC_MATMUL overrides, and refuses what the adapter cannot run', () => {
    process.env.WEBGPU_DEC_MATMUL = 'tiled';
    expect(chooseMatmulKernel(adapter('llvmpipe: Mesa 25.0.7', 8))).toBe('tiled');
    process.env.WEBGPU_DEC_MATMUL = 'subgroup';
    expect(() => chooseMatmulKernel(adapter('llvmpipe: Mesa 25.0.7', null))).toThrow(/no subgroups/);
    process.env.WEBGPU_DEC_MATMUL = 'fast';
    expect(() => chooseMatmulKernel(adapter('llvmpipe: Mesa 25.0.7', 8))).toThrow(/use one of blocked, subgroup, tiled/);
  });
});
