// Which matrix-product kernel an adapter gets, decided by measurement (bench/, README
// "Performance"): the figures behind each rule are quoted next to it.
import type { GpuDevice } from './device.js';

/** The kernels a runtime may choose for products (see MatmulImpl in src/tensor/ops/matmul.ts). */
export type MatmulKernel = 'blocked' | 'subgroup' | 'tiled';

const KERNELS: readonly MatmulKernel[] = ['blocked', 'subgroup', 'tiled'];

/**
 * The product kernel for this device: env WEBGPU_DEC_MATMUL (blocked, subgroup or tiled) if set,
 * else by adapter:
 * - GPUs: 'tiled' (workgroup-memory tiles, the usual GPU matmul);
 * - lavapipe from Mesa 25.1 on, with subgroups: 'subgroup' (llvmpipe then gathers a subgroup's
 *   loads and drops its own bounds checks when Dawn's robustness is off);
 * - older lavapipe and other software adapters: 'blocked', as on Mesa 25.0 the subgroup kernel's
 *   broadcasts and barriers cost more than they save.
 */
export function chooseMatmulKernel(gpu: GpuDevice): MatmulKernel {
  const forced = process.env.WEBGPU_DEC_MATMUL;
  if (forced) {
    if (!KERNELS.includes(forced as MatmulKernel)) throw new Error(`WEBGPU_DEC_MATMUL="${forced}": use one of ${KERNELS.join(', ')}`);
    if (forced === 'subgroup' && !gpu.subgroupSize) throw new Error('WEBGPU_DEC_MATMUL=subgroup: this adapter has no subgroups feature with one fixed subgroup size');
    return forced as MatmulKernel;
  }
  if (!gpu.isSoftware) return 'tiled';
  const mesa = gpu.mesaVersion;
  const modernMesa = mesa !== null && (mesa[0] > 25 || (mesa[0] === 25 && mesa[1] >= 1));
  if (gpu.subgroupSize && modernMesa) return 'subgroup';
  return 'blocked';
}
