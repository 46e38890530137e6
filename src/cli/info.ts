// `webgpu-dec info`: the adapter, its limits and features, and the product kernel each class of
// products gets on it (measured at first use, then read from the cache); `info --adapters`: every
// adapter Dawn can open, numbered as `--adapter N` reads a number.
import { describeAdapters, type AdapterDetails } from '../gpu/adapters.js';
import { robustnessWanted } from '../gpu/device.js';
import { NoAdapterError } from '../gpu/errors.js';
import { Runtime } from '../gpu/runtime.js';
import { CHOICE_COLUMNS, choiceRows, type ProductChoice } from '../tensor/ops/matmul-classes.js';
import { testedLine } from '../gpu/tested.js';
import { chooseProducts } from '../tensor/ops/matmul-choice.js';
import { ADAPTER_HELP, flagHelp, parseFlags, UsageError, type FlagSpec } from './args.js';

export const infoFlags: FlagSpec = {
  adapter: { kind: 'string', help: ADAPTER_HELP },
  adapters: { kind: 'flag', help: 'list every adapter Dawn can open, numbered 0 … n−1 (the numbers --adapter takes), and nothing else' },
  measure: { kind: 'flag', help: 'measure the product kernels again, every class, and rewrite the cache (after a driver update, or a measurement on a busy machine)' },
};

export const infoUsage = `usage: webgpu-dec info [--adapter N|NAME] [--measure]
       webgpu-dec info --adapters

The WebGPU adapter this machine offers: vendor, architecture, device, description, its limits and
features, whether Dawn's bounds checks are on (env WEBGPU_DEC_ROBUSTNESS=1 turns them on), the
subgroup size the kernels get (and the sizes and drivers the kernels are tested at), and the
product kernel chosen for each class of matrix products: at first use on an adapter each kernel is
checked against a float64 product (one that disagrees is refused, and named here), then timed
(a few seconds on a CPU adapter); the choice is cached per adapter, driver and package version in
$WEBGPU_DEC_CACHE_DIR (default ~/.cache/webgpu-dec/kernels.json), and overridden by env
WEBGPU_DEC_MATMUL=blocked|subgroup|tiled (on stdout).

--adapters lists every adapter instead, one line each: its number, name, Dawn backend, vendor and
architecture, subgroup sizes, largest storage buffer binding and largest buffer. The numbers are
Dawn's own order (number 0 is the adapter every command opens when none is named); an adapter that
shares its name with an earlier one is listed, but Dawn's node bindings cannot open it.

${flagHelp(infoFlags)}`;

export function infoCommand(args: string[]): Promise<number> {
  const f = parseFlags(args, infoFlags);
  if (f.adapters === true) {
    if (f.adapter !== undefined || f.measure === true) throw new UsageError('--adapters lists every adapter: it takes neither --adapter nor --measure');
    return listAdapters();
  }
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

/** `info --adapters`: the adapters as an aligned table, each of its numbers openable by --adapter N. */
export async function listAdapters(): Promise<number> {
  // The same toggles as the commands' own devices: the list is the enumeration they search.
  const list = await describeAdapters(robustnessWanted() ? [] : ['enable-dawn-features=disable_robustness']);
  if (!list.length) throw new NoAdapterError(''); // as every command says it: with the fix
  console.log(adapterTable(list).join('\n'));
  return 0;
}

/** Bytes as MiB or GiB, to two decimals at most (Dawn reports 4 GiB less 4 bytes as lavapipe's largest buffer). */
const mib = (bytes: number) => (bytes >= 2 ** 30 ? `${+(bytes / 2 ** 30).toFixed(2)} GiB` : `${+(bytes / 2 ** 20).toFixed(2)} MiB`);

/** One line per adapter under a header; an adapter these bindings cannot open says which opens instead. */
export function adapterTable(list: readonly AdapterDetails[]): string[] {
  const head = ['#', 'name', 'backend', 'vendor / architecture', 'subgroup sizes', 'storage binding', 'buffer'];
  const rows = list.map((a) => [
    String(a.index),
    a.name,
    a.backend,
    [a.vendor, a.architecture].filter(Boolean).join(' / '),
    a.subgroupSizes ? (a.subgroupSizes[0] === a.subgroupSizes[1] ? String(a.subgroupSizes[0]) : `${a.subgroupSizes[0]}–${a.subgroupSizes[1]}`) : 'none',
    mib(a.maxStorageBufferBindingSize),
    mib(a.maxBufferSize),
  ]);
  const width = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((v, j) => (j === r.length - 1 ? v : v.padEnd(width[j]))).join('  ');
  const notes = list
    .filter((a) => a.opens !== a.index)
    .map((a) => `adapter ${a.index}: its name opens adapter ${a.opens}; Dawn's node bindings open adapters by name, so it cannot be opened here (its figures are adapter ${a.opens}'s)`);
  return [line(head), ...rows.map(line), ...notes];
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
