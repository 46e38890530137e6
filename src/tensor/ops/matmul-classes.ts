// Which matrix-product kernel each class of product gets on an adapter. The choice is measured on
// the adapter at first use (./matmul-choice.ts), cached per adapter, driver and package version
// (./matmul-cache.ts), and recorded in a run's config; this file holds the pure parts: the classes, their representative shapes, the rules used before (or without) a
// measurement, and the WEBGPU_DEC_MATMUL override.
import type { GpuDevice } from '../../gpu/device.js';

/** The kernels a runtime may choose for products (see MatmulImpl in ./matmul.ts). */
export type MatmulKernel = 'blocked' | 'subgroup' | 'tiled';

/** Every product kernel: the tests and the bench iterate this list. */
export const MATMUL_KERNELS: readonly MatmulKernel[] = ['blocked', 'subgroup', 'tiled'];

/** The product kernels this adapter can run: 'subgroup' only with one fixed subgroup size. */
export function availableMatmulKernels(gpu: Pick<GpuDevice, 'subgroupSize'>): MatmulKernel[] {
  return MATMUL_KERNELS.filter((k) => k !== 'subgroup' || !!gpu.subgroupSize);
}

/**
 * A class of products that one kernel serves, by shape (C[M, N] = op(A)[M, K] · op(B)[K, N]):
 * - 'narrow': M or N ≤ 16 (the 10-unit embedding's forward and weight gradient);
 * - 'shallow': K < 32 (the decoder's first layer and the embedding's input gradient, K = 10);
 * - 'grad-weight': op(A) transposed (dW = xᵀ · g, K = the batch);
 * - 'grad-input': op(B) transposed (dX = g · Wᵀ);
 * - 'deep': K ≥ 512 and ≥ 4 × max(M, N) (few outputs, each a long sum);
 * - 'wide': every other product (the layers' forward products).
 * The first that applies, in this order.
 */
export type ProductClass = 'wide' | 'narrow' | 'shallow' | 'deep' | 'grad-weight' | 'grad-input';

/** Every class, in the order of the tables. */
export const PRODUCT_CLASSES: readonly ProductClass[] = ['wide', 'narrow', 'shallow', 'deep', 'grad-weight', 'grad-input'];

/** A product's shape and operand layouts. */
export interface ProductShape {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
}

/** The class of a product (see ProductClass). */
export function productClass(p: ProductShape): ProductClass {
  if (Math.min(p.M, p.N) <= 16) return 'narrow';
  if (p.K < 32) return 'shallow';
  if (p.transA) return 'grad-weight';
  if (p.transB) return 'grad-input';
  if (p.K >= 512 && p.K >= 4 * Math.max(p.M, p.N)) return 'deep';
  return 'wide';
}

/**
 * The shape each class is timed at: products of the default preset's d-256-256-512-10 autoencoder
 * on 784-pixel images at batch 256 (the deep class has none there: a 64 × 64 output over K = 4,096).
 * Small enough that the six classes × three kernels take about two seconds on lavapipe, and
 * milliseconds on a GPU.
 */
export const CLASS_SHAPES: Record<ProductClass, ProductShape & { what: string }> = {
  wide: { M: 256, N: 256, K: 784, what: 'first layer forward, 256×784 · 784×256' },
  narrow: { M: 256, N: 10, K: 512, what: 'embedding forward, 256×512 · 512×10' },
  shallow: { M: 256, N: 512, K: 10, what: 'decoder first layer, 256×10 · 10×512' },
  deep: { M: 64, N: 64, K: 4096, what: '64×4096 · 4096×64' },
  'grad-weight': { M: 784, N: 256, K: 256, transA: true, what: 'first layer dW = xᵀ · g, 784×256 · 256×256' },
  'grad-input': { M: 256, N: 256, K: 512, transB: true, what: 'third layer dX = g · Wᵀ, 256×512 · 512×256' },
};

/** The kernel one class of products gets, and whether its deep products are split along K. */
export interface ClassChoice {
  kernel: MatmulKernel;
  splitK: boolean;
  /** Median milliseconds per product at the class's shape, where measured ('blocked', 'tiled+split', …). */
  ms?: Record<string, number>;
}

/** Where a choice came from. */
export type ChoiceSource = 'rules' | 'env' | 'measured' | 'cache' | 'config';

/** The kernel for each class of products on one adapter. */
export interface ProductChoice {
  source: ChoiceSource;
  /** Where it came from, in words (set by chooseProducts: the cache file, the measurement's time). */
  how?: string;
  classes: Record<ProductClass, ClassChoice>;
  /**
   * Kernels this adapter runs but that disagreed with float64 when checked before the choice
   * (./matmul-check.ts), with where and by how much: no class gets them.
   */
  refused?: Partial<Record<MatmulKernel, string>>;
}

/** One choice for every class. */
export function uniformChoice(kernel: MatmulKernel, splitK: boolean, source: ChoiceSource): ProductChoice {
  const classes = {} as Record<ProductClass, ClassChoice>;
  for (const c of PRODUCT_CLASSES) classes[c] = { kernel, splitK };
  return { source, classes };
}

/**
 * The kernel WEBGPU_DEC_MATMUL names (blocked, subgroup or tiled), checked against the adapter; null
 * where it is unset. It overrides any measurement, for every class.
 */
export function envMatmulKernel(gpu: Pick<GpuDevice, 'subgroupSize'>): MatmulKernel | null {
  const forced = process.env.WEBGPU_DEC_MATMUL;
  if (!forced) return null;
  if (!MATMUL_KERNELS.includes(forced as MatmulKernel)) throw new Error(`WEBGPU_DEC_MATMUL="${forced}": use one of ${MATMUL_KERNELS.join(', ')}`);
  if (forced === 'subgroup' && !gpu.subgroupSize) throw new Error('WEBGPU_DEC_MATMUL=subgroup: this adapter has no subgroups feature with one fixed subgroup size');
  return forced as MatmulKernel;
}

/**
 * The choice before any measurement (a runtime opened directly, as the tests do), from earlier
 * measurements (docs/performance.md):
 * - GPUs: 'tiled' (workgroup-memory tiles), deep products split along K (an H200: 256×2000×10 went
 *   from 0.47 to 0.09 ms);
 * - software adapters with subgroups of one fixed size (lavapipe): 'subgroup' for wide products,
 *   'blocked' for narrow and shallow ones (the subgroup kernel measured 0.2–0.6× there); no split
 *   (9 % slower there: the unsplit product already fills the threads);
 * - other software adapters: 'blocked'.
 * WEBGPU_DEC_MATMUL, where set, replaces the kernel of every class.
 */
export function ruleChoice(gpu: Pick<GpuDevice, 'subgroupSize' | 'isSoftware'>): ProductChoice {
  const forced = envMatmulKernel(gpu);
  if (forced) return uniformChoice(forced, !gpu.isSoftware, 'env');
  if (!gpu.isSoftware) return uniformChoice('tiled', true, 'rules');
  if (!gpu.subgroupSize) return uniformChoice('blocked', false, 'rules');
  const choice = uniformChoice('subgroup', false, 'rules');
  choice.classes.narrow = { kernel: 'blocked', splitK: false };
  choice.classes.shallow = { kernel: 'blocked', splitK: false };
  return choice;
}

/**
 * A choice read from a file (the cache, a run's config), checked: every class present, with a
 * kernel this adapter can run. Null where anything is missing or wrong.
 */
export function parseChoice(x: unknown, gpu: Pick<GpuDevice, 'subgroupSize'>, source: ChoiceSource): ProductChoice | null {
  if (!x || typeof x !== 'object') return null;
  const raw = (x as { classes?: unknown }).classes;
  if (!raw || typeof raw !== 'object') return null;
  const ok = availableMatmulKernels(gpu);
  const classes = {} as Record<ProductClass, ClassChoice>;
  for (const c of PRODUCT_CLASSES) {
    const e = (raw as Record<string, unknown>)[c] as Partial<ClassChoice> | undefined;
    if (!e || !ok.includes(e.kernel as MatmulKernel) || typeof e.splitK !== 'boolean') return null;
    classes[c] = { kernel: e.kernel as MatmulKernel, splitK: e.splitK, ...(e.ms && typeof e.ms === 'object' ? { ms: e.ms } : {}) };
  }
  const refused = parseRefused((x as { refused?: unknown }).refused);
  if (refused === null || PRODUCT_CLASSES.some((c) => refused[classes[c].kernel])) return null;
  return { source, classes, ...(Object.keys(refused).length ? { refused } : {}) };
}

/** A `refused` map read from a file: kernel → reason; {} where absent, null where malformed. */
function parseRefused(x: unknown): Partial<Record<MatmulKernel, string>> | null {
  if (x === undefined) return {};
  if (!x || typeof x !== 'object') return null;
  const out: Partial<Record<MatmulKernel, string>> = {};
  for (const [k, why] of Object.entries(x)) {
    if (!MATMUL_KERNELS.includes(k as MatmulKernel) || typeof why !== 'string') return null;
    out[k as MatmulKernel] = why;
  }
  return out;
}

/** What a run's config records of the choice: each class's kernel and split, and the kernels refused. */
export interface ChoiceRecord {
  classes: Record<ProductClass, { kernel: MatmulKernel; splitK: boolean }>;
  refused?: Partial<Record<MatmulKernel, string>>;
}

/** The choice without its timings: what a run's config records. */
export function choiceRecord(choice: ProductChoice): ChoiceRecord {
  const classes = {} as Record<ProductClass, { kernel: MatmulKernel; splitK: boolean }>;
  for (const c of PRODUCT_CLASSES) classes[c] = { kernel: choice.classes[c].kernel, splitK: choice.classes[c].splitK };
  return { classes, ...(choice.refused ? { refused: choice.refused } : {}) };
}

/** One line: each class and its kernel, e.g. "wide subgroup, narrow blocked+split, …", and any refused. */
export function describeChoice(choice: ProductChoice): string {
  const line = PRODUCT_CLASSES.map((c) => `${c} ${choice.classes[c].kernel}${choice.classes[c].splitK ? '+split' : ''}`).join(', ');
  const refused = Object.keys(choice.refused ?? {});
  return refused.length ? `${line}; refused (wrong products on this adapter): ${refused.join(', ')}` : line;
}

/** The choice as table rows: class, the shape it was timed at, kernel, split-K, each kernel's ms. */
export function choiceRows(choice: ProductChoice): string[][] {
  return PRODUCT_CLASSES.map((c) => {
    const e = choice.classes[c];
    const ms = e.ms ? Object.entries(e.ms).map(([k, v]) => `${k} ${v}`).join(', ') : '(not measured)';
    return [c, CLASS_SHAPES[c].what, e.kernel, e.splitK ? 'yes' : 'no', ms];
  });
}

/** The heading of choiceRows' columns. */
export const CHOICE_COLUMNS = ['class', 'timed at', 'kernel', 'split-K', 'ms per product'];
