// `npm run bench [-- --json FILE] [--suite matmul,training,wait] [--quick]` and `webgpu-dec bench`:
// runs the suites in one process (ours, the naive kernel and the tfjs peer on the same adapter)
// and prints a markdown table of medians with ratios; --json writes the figures.
import { writeFileAtomic } from '../src/io/atomic.js';
import { cpus } from 'node:os';
import { Runtime } from '../src/gpu/runtime.js';
import { describeChoice } from '../src/tensor/ops/matmul-classes.js';
import { chooseProducts } from '../src/tensor/ops/matmul-choice.js';
import { loadTfjsPeer, type TfjsPeer } from './peer-tfjs.js';
import { runTorchPeer } from './peer-torch.js';
import { measureRoofline, rooflineShare, type Roofline } from './roofline.js';
import { packageVersion, sourceCommit } from '../src/io/version.js';
import { matmulSuite, robustnessSuite, stepsSuite, trainingSuite, waitSuite, type Case } from './suites.js';

const SUITES = { matmul: matmulSuite, training: trainingSuite, steps: stepsSuite, robustness: robustnessSuite, wait: waitSuite };

export interface BenchOptions {
  json?: string;
  suites: (keyof typeof SUITES)[];
  quick: boolean;
  adapter?: string;
  /** Only the matrix products whose name contains this (the matmul suite). */
  only?: string;
}

export function parseBenchArgs(args: string[]): BenchOptions {
  const o: BenchOptions = { suites: ['matmul', 'training', 'steps', 'robustness', 'wait'], quick: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') o.json = args[++i];
    else if (a === '--quick') o.quick = true;
    else if (a === '--adapter') o.adapter = args[++i];
    else if (a === '--only') o.only = args[++i];
    else if (a === '--suite') {
      const names = (args[++i] ?? '').split(',');
      for (const n of names) if (!(n in SUITES)) throw new Error(`unknown suite "${n}"; choose from ${Object.keys(SUITES).join(', ')}`);
      o.suites = names as BenchOptions['suites'];
    } else throw new Error(`unknown flag "${a}"; use --json FILE, --suite ${Object.keys(SUITES).join(',')}, --quick, --adapter N|NAME, --only SUBSTRING`);
    if (o.json === undefined && a === '--json') throw new Error('--json needs a file name');
  }
  return o;
}

function table(cases: Case[], adapter: string, choice: string, roof: Roofline, notes: string[]): string {
  const by = (impl: string) => new Map(cases.filter((c) => c.impl === impl).map((c) => [c.name, c.median_ms]));
  const [blocked, naive, peer, ours, torch] = [by('blocked'), by('naive'), by('tfjs-webgpu'), by('ours'), by('pytorch-cpu')];
  const lines = [
    `Adapter: ${adapter}; ${cpus().length} CPU threads; ${choice}; medians of benchmark.js samples (min–max).`,
    `Roofline, measured in this run: fp32 multiply-add peak ${roof.peakGflops.toFixed(1)} GFLOP/s, copy bandwidth ${roof.bandwidthGBs.toFixed(1)} GB/s (ridge at ${roof.ridge.toFixed(1)} FLOP/byte); ` +
      '"roofline" is the share of the bound that applies to the case (compute or memory, from its FLOPs and the bytes it must move at least).',
    ...notes,
    '',
    '| case | impl | median ms (min–max) | GFLOP/s | roofline | × blocked | × naive | × tfjs-webgpu | × PyTorch | note |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const c of cases) {
    const mine = c.impl !== 'naive' && c.impl !== 'tfjs-webgpu' && c.impl !== 'pytorch-cpu';
    const ratio = (base?: number) => (mine && base && base !== c.median_ms ? (base / c.median_ms).toFixed(2) : '');
    // 'robust' (checks on) is compared with 'ours' (checks off) in the × blocked column's place.
    const baseline = c.impl === 'robust' ? ours.get(c.name) : c.impl === 'blocked' ? undefined : blocked.get(c.name);
    const r = rooflineShare(roof, c.flop, c.bytes, c.median_ms);
    const share = r ? `${(100 * r.share).toFixed(1)} % ${r.bound}` : '';
    lines.push(
      `| ${c.name} | ${c.impl} | ${c.median_ms.toFixed(2)} (${c.min_ms.toFixed(2)}–${c.max_ms.toFixed(2)}) | ${c.gflops ? c.gflops.toFixed(1) : ''} | ${share} | ${ratio(baseline)} | ${ratio(naive.get(c.name))} | ${ratio(peer.get(c.name))} | ${ratio(torch.get(c.name))} | ${c.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

/** What one bench run measured: the markdown table and the figures (bench/results/*.json). */
export interface BenchResult {
  table: string;
  data: Record<string, unknown>;
}

/** Runs the suites on one adapter, in one process; `log` gets the progress lines. */
export async function benchmark(o: BenchOptions, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<BenchResult> {
  const rt = await Runtime.create({ adapter: o.adapter });
  let peer: TfjsPeer | null = null;
  const notes: string[] = [];
  let torch: ReturnType<typeof runTorchPeer> | undefined;
  try {
    const products = await chooseProducts(rt);
    log(`products: ${describeChoice(rt.products)} (${products.how})`);
    if (o.suites.includes('matmul')) {
      const loaded = await loadTfjsPeer(rt.gpu.dawnAdapter ?? undefined); // the adapter ours opened (a number resolved to its name)
      if (typeof loaded === 'string') {
        log(loaded);
        notes.push(loaded);
      } else peer = loaded;
    }
    const out: Case[] = [];
    const ctx = {
      rt,
      only: o.only,
      robustRt: () => Runtime.create({ adapter: o.adapter, robustness: true }),
      peer,
      torch: () => {
        torch ??= runTorchPeer(o.quick);
        if (typeof torch === 'string') notes.push(torch);
        return torch;
      },
      out,
      opts: o.quick ? { minSamples: 3, maxTimeS: 0.5 } : { minSamples: 7, maxTimeS: 3 },
      quick: o.quick,
      log,
    };
    const roof = await measureRoofline(rt, ctx.opts);
    log(`roofline: fp32 FMA peak ${roof.peakGflops.toFixed(1)} GFLOP/s, copy bandwidth ${roof.bandwidthGBs.toFixed(1)} GB/s`);
    for (const s of o.suites) await SUITES[s](ctx);
    const choice = `products: ${describeChoice(rt.products)}${rt.gpu.subgroupSize ? `, subgroup size ${rt.gpu.subgroupSize}` : ''}, robustness checks ${rt.gpu.robustness ? 'on' : 'off'}`;
    const cases = out.map(({ name, impl, median_ms, gflops, flop, bytes, min_ms, max_ms, note }) => {
      const r = rooflineShare(roof, flop, bytes, median_ms);
      return { name, impl, median_ms, gflops, min_ms, max_ms, flop, bytes, ...(r ? { roofline: { bound: r.bound, share: +r.share.toFixed(4) } } : {}), ...(note ? { note } : {}) };
    });
    return {
      table: table(out, rt.adapterName, choice, roof, notes),
      data: { adapter: rt.adapterName, date: new Date().toISOString(), version: packageVersion(), commit: sourceCommit(), choice, products: rt.products, roofline: roof, notes, cases },
    };
  } finally {
    peer?.dispose();
    rt.destroy();
  }
}

/** `npm run bench`: the table on stdout, the figures to --json. */
export async function runBench(o: BenchOptions): Promise<number> {
  const r = await benchmark(o);
  console.log(r.table);
  if (o.json) writeFileAtomic(o.json, JSON.stringify(r.data, null, 2) + '\n');
  return 0;
}

// Run directly (npm run bench): node dist/bench/run.js [flags]
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runBench(parseBenchArgs(process.argv.slice(2))).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`bench: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
