// The kernel registry: every compute entry point of shaders/*.wgsl, by family (= shader file), with
// the kinds of its bindings 0..n-1, and each family's uniform struct (binding 0), declared once and
// packed by field name. A new kernel family is one shader file and one entry in each table;
// test/kernels.test.ts checks them against the WGSL sources (every entry exists, every @compute
// function is listed, every uniform struct has these fields in this order) and builds every
// pipeline on the device (Dawn checks the binding kinds against the shader).
import { Uniform, type BindingKind, type Kernel } from './runtime.js';
import { GRID_WG } from './shaders.js';

export { GRID_WG };

type Bindings = readonly BindingKind[];

const ew: Bindings = ['uniform', 'read', 'read', 'rw']; // Params, a, b, out
const mm: Bindings = ['uniform', 'read', 'read', 'read', 'read', 'rw']; // dims, A, B, bias, mask, C
const kl: Bindings = ['uniform', 'read', 'read', 'read', 'read', 'read', 'read', 'rw'];
// Params, H, blocks, g, p, v, m: the optimiser over a parameter arena (shaders/optim.wgsl)
const optim: Bindings = ['uniform', 'rw', 'read', 'read', 'rw', 'rw', 'rw'];

const families = {
  elementwise: {
    add: ew,
    axpy: ew,
    scale: ew,
    relu: ew,
    relu_grad: ew,
    bias_add: ew,
    broadcast_row: ew,
    broadcast_col: ew,
    broadcast_all: ew,
    fill: ew,
  },
  reduce: { sum_rows: ew, sum_cols: ew, sum_all: ew, sum_sq_diff: ew },
  loss: { mse_grad: ['uniform', 'read', 'read', 'read', 'rw'], mse: ['uniform', 'read', 'read', 'rw', 'rw'] },
  dropout: { dropout: ew },
  matmul: { matmul: mm, matmul_vec4: mm, splitk_reduce: mm, matmul_naive: mm },
  matmul_subgroup: { matmul_subgroup: mm, matmul_subgroup_vec4: mm }, // needs the `subgroups` feature
  matmul_tiled: { matmul_tiled: mm, matmul_tiled_vec4: mm },
  gather: { gather_rows: ew, scatter_rows: ew },
  packed: { unpack_rows: ew }, // Params, words, table, out
  augment: { warp: ew }, // Params, images, T, out
  optim: { sgd: optim, adam: optim },
  roofline: { fma_peak: ew, copy: ew }, // the bench's peak and bandwidth probes
  dec: {
    soft_assign: ['uniform', 'read', 'read', 'rw', 'rw'],
    target_distribution: ['uniform', 'read', 'read', 'rw', 'rw'],
    kl_rows: kl,
    kl_loss: kl,
    kl_grad_z: kl,
    kl_grad_mu: kl,
  },
  kmeans: {
    nearest_update: ['uniform', 'read', 'read', 'rw', 'rw', 'rw'],
    row_norms: ['uniform', 'read', 'rw'],
    assign_dots: ['uniform', 'read', 'read', 'read', 'rw', 'rw', 'rw'],
    one_hot: ['uniform', 'read', 'rw'],
    update_finish: ['uniform', 'read', 'read', 'rw'],
  },
  tsne: {
    sq_dists: ['uniform', 'read', 'rw'],
    perplexity_rows: ['uniform', 'rw', 'rw'],
    symmetrise: ['uniform', 'rw'],
    forces: ['uniform', 'read', 'read', 'rw', 'rw'],
    partial_sums: ['uniform', 'read', 'rw'],
    update: ['uniform', 'read', 'read', 'rw', 'rw', 'rw'],
    kl_rows: ['uniform', 'read', 'read', 'read', 'rw'],
    ranks: ['uniform', 'read', 'read', 'rw'],
  },
} as const satisfies Record<string, Record<string, Bindings>>;

/** A uniform struct's fields in WGSL order (pads included): name → type. */
type Layout = Readonly<Record<string, 'u32' | 'f32'>>;

const dims = { M: 'u32', N: 'u32', K: 'u32', chunk: 'u32' } as const; // chunk: K per split (split-K only)

/** Each family's uniform struct, as its shader declares it. */
const layouts = {
  elementwise: { n: 'u32', cols: 'u32', alpha: 'f32', beta: 'f32' },
  reduce: { rows: 'u32', cols: 'u32', alpha: 'f32', pad: 'u32' },
  loss: { n: 'u32', pad0: 'u32', alpha: 'f32', grad_alpha: 'f32' },
  dropout: { n: 'u32', salt: 'u32', rate: 'f32', pad: 'u32' },
  matmul: dims,
  matmul_subgroup: dims,
  matmul_tiled: dims,
  gather: { rows: 'u32', d: 'u32', offset: 'u32', chunk_start: 'u32', chunk_rows: 'u32', pad0: 'u32', pad1: 'u32', pad2: 'u32' },
  packed: { rows: 'u32', d: 'u32', words: 'u32', src_row: 'u32', dst_row: 'u32', pad0: 'u32', pad1: 'u32', pad2: 'u32' },
  augment: { rows: 'u32', h: 'u32', w: 'u32', pad: 'u32' },
  optim: { first_block: 'u32', blocks: 'u32', parity: 'u32', pad: 'u32' },
  roofline: { n: 'u32', iters: 'u32', pad0: 'u32', pad1: 'u32' },
  dec: { n: 'u32', d: 'u32', k: 'u32', alpha: 'f32', scale: 'f32', pad0: 'u32', pad1: 'u32', pad2: 'u32' },
  kmeans: { n: 'u32', d: 'u32', k: 'u32', j: 'u32', offset: 'u32', pad0: 'u32', pad1: 'u32', pad2: 'u32' },
  tsne: { n: 'u32', dx: 'u32', exaggeration: 'f32', lr: 'f32', momentum: 'f32', log_perplexity: 'f32', min_gain: 'f32', k: 'u32' },
} as const satisfies Record<keyof typeof families, Layout>;

/** The uniform structs by family, for the registry test. */
export const uniformLayouts: Readonly<Record<KernelFamily, Layout>> = layouts;

/** The values of a family's uniform fields, by name; a field left out (a pad) is 0. */
export type ParamsOf<F extends KernelFamily> = { readonly [K in keyof (typeof layouts)[F]]?: number };

/** The uniform of family F, packed by field name in the order its shader declares. */
export function params<F extends KernelFamily>(family: F, values: ParamsOf<F>): Uniform {
  const layout: Layout = layouts[family];
  const fields = Object.entries(layout);
  const u = new Uniform(fields.length);
  const v = values as Record<string, number | undefined>;
  for (const [name, type] of fields) u[type](v[name] ?? 0);
  return u;
}

type Families = typeof families;
/** A kernel family: one shader file in shaders/. */
export type KernelFamily = keyof Families;

/** `kernels.<family>.<entry>`: the Kernel to pass to `rt.dispatch`. */
export const kernels = Object.fromEntries(
  Object.entries(families).map(([file, entries]) => [
    file,
    Object.fromEntries(Object.entries(entries).map(([entry, bindings]) => [entry, { file, entry, bindings } satisfies Kernel])),
  ]),
) as { readonly [F in KernelFamily]: { readonly [E in keyof Families[F]]: Kernel } };

/** Every registered kernel, for the registry test and pipeline warm-up. */
export function allKernels(): Kernel[] {
  return Object.values(kernels).flatMap((f) => Object.values(f) as Kernel[]);
}

/** Workgroups for n invocations at `perGroup` per workgroup: a 2-D grid past the 65535 per-dimension limit. */
export function grid1d(n: number, perGroup = GRID_WG): [number, number] {
  const groups = Math.max(1, Math.ceil(n / perGroup));
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}
