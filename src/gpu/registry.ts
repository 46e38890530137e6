// The kernel registry's mechanism: a kernel family is one shader file in shaders/, its compute entry
// points with the kinds of their bindings 0..n-1, and its uniform struct (binding 0), declared once
// and packed by field name. The rooms declare their own families beside the code that dispatches
// them (defineFamily); this layer knows none of them. test/kernels.test.ts imports every room
// (through test/families.ts) and checks the registered families against the WGSL sources (every
// entry exists, every @compute function is listed, every uniform struct has these fields in this
// order, every shader file has a family) and builds every pipeline on the device (Dawn checks the
// binding kinds against the shader).
import { Uniform, type BindingKind, type Kernel } from './runtime.js';
import { addGeneratedWgsl, GRID_WG } from './shaders.js';

export { GRID_WG };

/** The kinds of an entry point's bindings 0..n-1. */
export type Bindings = readonly BindingKind[];

/** A uniform struct's fields in WGSL order (pads included): name → type. */
export type Layout = Readonly<Record<string, 'u32' | 'f32'>>;

/** The values of a uniform's fields, by name; a field left out (a pad) is 0. */
export type ParamsOf<L extends Layout> = { readonly [K in keyof L]?: number };

/** A registered kernel family: its entry points as Kernels, its uniform layout and packer. */
export interface Family<E extends Record<string, Bindings> = Record<string, Bindings>, L extends Layout = Layout> {
  /** The shader file's name without .wgsl. */
  readonly file: string;
  /** `family.kernels.<entry>`: the Kernel to pass to `rt.dispatch`. */
  readonly kernels: { readonly [K in keyof E]: Kernel };
  /** The uniform struct as the shader declares it (binding 0). */
  readonly layout: L;
  /** The uniform, packed by field name in the order its shader declares. */
  params(values: ParamsOf<L>): Uniform;
}

const families: Family[] = [];

/**
 * Declares the family of shaders/<file>.wgsl and records it in the registry (a file registered
 * twice is a mistake: two rooms would dispatch one shader under two declarations). `generated`:
 * WGSL the room generates for the file (entry points from a table), appended to its source.
 */
export function defineFamily<const E extends Record<string, Bindings>, const L extends Layout>(file: string, entries: E, layout: L, generated?: string): Family<E, L> {
  if (families.some((f) => f.file === file)) throw new Error(`kernel family ${file} is registered twice`);
  if (generated) addGeneratedWgsl(file, generated);
  const kernels = Object.fromEntries(Object.entries(entries).map(([entry, bindings]) => [entry, { file, entry, bindings } satisfies Kernel])) as Family<E, L>['kernels'];
  const fields = Object.entries(layout);
  const params = (values: ParamsOf<L>): Uniform => {
    const u = new Uniform(fields.length);
    const v = values as Record<string, number | undefined>;
    for (const [name, type] of fields) u[type](v[name] ?? 0);
    return u;
  };
  const family: Family<E, L> = { file, kernels, layout, params };
  families.push(family as unknown as Family);
  return family;
}

/** Every family registered so far (by the rooms imported so far), for the registry test and warm-up. */
export function registeredFamilies(): readonly Family[] {
  return families;
}

/** Every registered kernel. */
export function allKernels(): Kernel[] {
  return families.flatMap((f) => Object.values(f.kernels));
}

/** Workgroups for n invocations at `perGroup` per workgroup: a 2-D grid past the 65535 per-dimension limit. */
export function grid1d(n: number, perGroup = GRID_WG): [number, number] {
  const groups = Math.max(1, Math.ceil(n / perGroup));
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}
