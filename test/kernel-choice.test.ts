// Which product kernel each adapter gets (src/gpu/kernel-choice.ts), on described adapters: the rules
// docs/performance.md states, and the WEBGPU_DEC_MATMUL override.
import { afterEach, describe, expect, it } from 'vitest';
import { chooseMatmulKernel } from '../src/gpu/kernel-choice.js';
import type { GpuDevice } from '../src/gpu/device.js';
import type { Runtime } from '../src/gpu/runtime.js';
import { kernelFor } from '../src/tensor/ops/matmul.js';

/** An adapter as the chooser sees it (the description names it for the reader). */
function adapter(description: string, subgroupSize: number | null, software = true): GpuDevice {
  return { info: { description }, subgroupSize, isSoftware: software } as unknown as GpuDevice;
}

describe('chooseMatmulKernel', () => {
  afterEach(() => void delete process.env.WEBGPU_DEC_MATMUL);

  it('lavapipe with subgroups (Mesa 25.0 and 26.1 alike): the subgroup kernel; without them: blocked', () => {
    expect(chooseMatmulKernel(adapter('llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)', 8))).toBe('subgroup');
    expect(chooseMatmulKernel(adapter('llvmpipe: Mesa 26.1.6-1~bpo13+1 (LLVM 19.1.7)', 8))).toBe('subgroup');
    expect(chooseMatmulKernel(adapter('llvmpipe: Mesa 22.3.6', null))).toBe('blocked');
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

describe("matmul 'auto' on a runtime that chose the subgroup kernel", () => {
  const rt = { matmulKernel: 'subgroup', gpu: { subgroupSize: 8 } } as unknown as Runtime;
  it('takes it for wide, deep products and leaves narrow or shallow ones to the blocked kernel', () => {
    expect(kernelFor(rt, 'auto', 500, 784)).toBe('subgroup');
    expect(kernelFor(rt, 'auto', 10, 2000)).toBe('blocked'); // N < 4·8
    expect(kernelFor(rt, 'auto', 2000, 10)).toBe('blocked'); // K < 32
    expect(kernelFor(rt, 'tiled', 10, 10)).toBe('tiled'); // named kernels are taken as named
  });
});
