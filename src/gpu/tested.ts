// The configurations the kernel tests run on (`npm run test:drivers`, scripts/test-drivers.mjs): one
// list, read by that script and by `webgpu-dec info`, which states them beside the adapter's own.

/** A configuration of the software drivers the kernel tests run on. */
export interface DriverConfig {
  /** Its name in the table, e.g. "lavapipe-32". */
  name: string;
  /** The environment that selects it. */
  env: Record<string, string>;
  /** The subgroup size its adapter reports. */
  subgroup: number;
}

/** Mesa's lavapipe ICD, and SwiftShader's as Debian's chromium package installs it. */
export const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * lavapipe at each SIMD width (LP_NATIVE_VECTOR_WIDTH 128 … 2048: reported subgroup sizes 4 … 64;
 * from 512 bits on it runs subgroups of 16 whatever it reports), and SwiftShader (subgroup 4).
 */
export const DRIVER_CONFIGS: readonly DriverConfig[] = [
  ...[4, 8, 16, 32, 64].map((subgroup) => ({ name: `lavapipe-${subgroup}`, env: { VK_ICD_FILENAMES: LAVAPIPE_ICD, LP_NATIVE_VECTOR_WIDTH: String(32 * subgroup) }, subgroup })),
  { name: 'swiftshader', env: { VK_ICD_FILENAMES: SWIFTSHADER_ICD }, subgroup: 4 },
];

/** One line for `info`: the sizes and drivers the kernels are tested at. */
export function testedLine(): string {
  const sizes = [...new Set(DRIVER_CONFIGS.map((c) => c.subgroup))].sort((x, y) => x - y);
  return `the kernels are tested at subgroup sizes ${sizes.join(', ')} on lavapipe and at ${DRIVER_CONFIGS.find((c) => c.name === 'swiftshader')!.subgroup} on SwiftShader (npm run test:drivers)`;
}
