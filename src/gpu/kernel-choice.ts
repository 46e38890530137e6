// Which matrix-product kernel an adapter gets, decided by measurement (bench/; the figures behind
// each rule: docs/performance.md).
import type { GpuDevice } from './device.js';

/** The kernels a runtime may choose for products (see MatmulImpl in src/tensor/ops/matmul.ts). */
export type MatmulKernel = 'blocked' | 'subgroup' | 'tiled';

/** Every product kernel: the tests and the bench iterate this list. */
export const MATMUL_KERNELS: readonly MatmulKernel[] = ['blocked', 'subgroup', 'tiled'];

/** The product kernels this adapter can run: 'subgroup' only with one fixed subgroup size. */
export function availableMatmulKernels(gpu: Pick<GpuDevice, 'subgroupSize'>): MatmulKernel[] {
  return MATMUL_KERNELS.filter((k) => k !== 'subgroup' || !!gpu.subgroupSize);
}

/**
 * The product kernel for this device: env WEBGPU_DEC_MATMUL (blocked, subgroup or tiled) if set,
 * else by adapter:
 * - GPUs: 'tiled' (workgroup-memory tiles, the usual GPU matmul);
 * - software adapters with subgroups of one fixed size (lavapipe): 'subgroup', faster than the
 *   blocked kernel at DEC's wide products on Mesa 25.0.7 and 26.1.6 (docs/performance.md); narrow
 *   products still go to 'blocked' (see matmulInto);
 * - other software adapters: 'blocked'.
 */
export function chooseMatmulKernel(gpu: GpuDevice): MatmulKernel {
  const forced = process.env.WEBGPU_DEC_MATMUL;
  if (forced) {
    if (!MATMUL_KERNELS.includes(forced as MatmulKernel)) throw new Error(`WEBGPU_DEC_MATMUL="${forced}": use one of ${MATMUL_KERNELS.join(', ')}`);
    if (forced === 'subgroup' && !gpu.subgroupSize) throw new Error('WEBGPU_DEC_MATMUL=subgroup: this adapter has no subgroups feature with one fixed subgroup size');
    return forced as MatmulKernel;
  }
  if (!gpu.isSoftware) return 'tiled';
  return gpu.subgroupSize ? 'subgroup' : 'blocked';
}
