// `webgpu-dec info`: the adapter, its limits and features, and the product kernel each class of
// products gets on it (measured at first use, then read from the cache).
import { Runtime } from '../gpu/runtime.js';
import { CHOICE_COLUMNS, choiceRows, type ProductChoice } from '../tensor/ops/matmul-classes.js';
import { testedLine } from '../gpu/tested.js';
import { chooseProducts } from '../tensor/ops/matmul-choice.js';
import { flagHelp, parseFlags, type FlagSpec } from './args.js';

export const infoFlags: FlagSpec = {
  adapter: { kind: 'string', help: 'use the adapter whose name contains this (or env WEBGPU_DEC_ADAPTER)' },
  measure: { kind: 'flag', help: 'measure the product kernels again, every class, and rewrite the cache (after a driver update, or a measurement on a busy machine)' },
};

export const infoUsage = `usage: webgpu-dec info [--adapter SUBSTRING] [--measure]

The WebGPU adapter this machine offers: vendor, architecture, device, description, its limits and
features, whether Dawn's bounds checks are on (env WEBGPU_DEC_ROBUSTNESS=1 turns them on), the
subgroup size the kernels get (and the sizes and drivers the kernels are tested at), and the
product kernel chosen for each class of matrix products: at first use on an adapter each kernel is
checked against a float64 product (one that disagrees is refused, and named here), then timed
(a few seconds on a CPU adapter); the choice is cached per adapter, driver and package version in
$WEBGPU_DEC_CACHE_DIR (default ~/.cache/webgpu-dec/kernels.json), and overridden by env
WEBGPU_DEC_MATMUL=blocked|subgroup|tiled (on stdout).

${flagHelp(infoFlags)}`;

export function infoCommand(args: string[]): Promise<number> {
  const f = parseFlags(args, infoFlags);
  return info({ adapter: f.adapter as string | undefined, measure: f.measure === true });
}

export async function info(opts: { adapter?: string; measure?: boolean }): Promise<number> {
  const rt = await Runtime.create({ adapter: opts.adapter });
  try {
    const { adapter, info: i } = rt.gpu;
    const out: string[] = [];
    out.push(`vendor:        ${i.vendor}`);
    out.push(`architecture:  ${i.architecture}`);
    out.push(`device:        ${i.device}`);
    out.push(`description:   ${i.description}`);
    out.push('limits:');
    const limits = adapter.limits as unknown as Record<string, number>;
    const names: string[] = [];
    for (const k in limits) if (typeof limits[k] === 'number') names.push(k);
    for (const k of names.sort()) out.push(`  ${k.padEnd(44)} ${limits[k]}`);
    out.push(`features:      ${[...adapter.features].sort().join(', ')}`);
    const robustness = rt.gpu.robustness
      ? 'on (Dawn bounds-checks every storage access)'
      : "off (each kernel guards its own indices; WEBGPU_DEC_ROBUSTNESS=1 turns Dawn's checks on)";
    out.push(`robustness:    ${robustness}`);
    out.push(`subgroup size: ${rt.gpu.subgroupSize ?? 'none'} (${testedLine()})`);
    // --measure is asked for: every class is timed, however busy the machine (the first use keeps to
    // about two seconds, and leaves classes it did not reach to the rules).
    const r = await chooseProducts(rt, opts.measure ? { refresh: true, budgetMs: 20_000 } : {});
    out.push(`products:      ${r.how}`);
    out.push(...productTable(r.choice));
    console.log(out.join('\n'));
  } finally {
    rt.destroy();
  }
  return 0;
}

/**
 * The choice as an aligned plain-text table, then each kernel refused on this adapter (it gave
 * wrong products when checked against float64 before the choice) and where.
 */
export function productTable(choice: ProductChoice): string[] {
  const rows = choiceRows(choice);
  const width = CHOICE_COLUMNS.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => '  ' + r.map((v, j) => (j === r.length - 1 ? v : v.padEnd(width[j]))).join('  ');
  const refused = Object.entries(choice.refused ?? {}).map(([k, why]) => `refused:       ${k}, wrong products on this adapter: ${why}`);
  return [line(CHOICE_COLUMNS), ...rows.map(line), ...refused];
}
