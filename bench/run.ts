// `npm run bench [-- --json FILE] [--suite matmul,training,wait] [--quick]` and `webgpu-dec bench`:
// runs the suites in one process (ours, the naive kernel and the tfjs peer on the same adapter)
// and prints a markdown table of medians with ratios; --json writes the figures.
import { writeFileSync, renameSync } from 'node:fs';
import { cpus } from 'node:os';
import { Runtime } from '../src/gpu/runtime.js';
import { loadTfjsPeer, type TfjsPeer } from './peer-tfjs.js';
import { matmulSuite, trainingSuite, waitSuite, type Case } from './suites.js';

const SUITES = { matmul: matmulSuite, training: trainingSuite, wait: waitSuite };

export interface BenchOptions {
  json?: string;
  suites: (keyof typeof SUITES)[];
  quick: boolean;
  adapter?: string;
}

export function parseBenchArgs(args: string[]): BenchOptions {
  const o: BenchOptions = { suites: ['matmul', 'training', 'wait'], quick: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') o.json = args[++i];
    else if (a === '--quick') o.quick = true;
    else if (a === '--adapter') o.adapter = args[++i];
    else if (a === '--suite') {
      const names = (args[++i] ?? '').split(',');
      for (const n of names) if (!(n in SUITES)) throw new Error(`unknown suite "${n}"; choose from ${Object.keys(SUITES).join(', ')}`);
      o.suites = names as BenchOptions['suites'];
    } else throw new Error(`unknown flag "${a}"; use --json FILE, --suite ${Object.keys(SUITES).join(',')}, --quick, --adapter NAME`);
    if (o.json === undefined && a === '--json') throw new Error('--json needs a file name');
  }
  return o;
}

function table(cases: Case[], adapter: string): string {
  const naive = new Map(cases.filter((c) => c.impl === 'naive').map((c) => [c.name, c.median_ms]));
  const peer = new Map(cases.filter((c) => c.impl === 'tfjs-webgpu').map((c) => [c.name, c.median_ms]));
  const lines = [
    `Adapter: ${adapter}; ${cpus().length} CPU threads; medians of benchmark.js samples (min–max).`,
    '',
    '| case | impl | median ms (min–max) | GFLOP/s | × naive | × tfjs-webgpu |',
    '| --- | --- | --- | ---: | ---: | ---: |',
  ];
  for (const c of cases) {
    const ratio = (base?: number) => (c.impl === 'ours' && base ? (base / c.median_ms).toFixed(2) : '');
    lines.push(
      `| ${c.name} | ${c.impl} | ${c.median_ms.toFixed(2)} (${c.min_ms.toFixed(2)}–${c.max_ms.toFixed(2)}) | ${c.gflops ? c.gflops.toFixed(1) : ''} | ${ratio(naive.get(c.name))} | ${ratio(peer.get(c.name))} |`,
    );
  }
  return lines.join('\n');
}

export async function runBench(o: BenchOptions): Promise<number> {
  const rt = await Runtime.create({ adapter: o.adapter });
  let peer: TfjsPeer | null = null;
  try {
    if (o.suites.includes('matmul')) {
      const loaded = await loadTfjsPeer(o.adapter);
      if (typeof loaded === 'string') process.stderr.write(`${loaded}\n`);
      else peer = loaded;
    }
    const out: Case[] = [];
    const ctx = {
      rt,
      peer,
      out,
      opts: o.quick ? { minSamples: 3, maxTimeS: 0.5 } : { minSamples: 7, maxTimeS: 3 },
      log: (l: string) => process.stderr.write(l + '\n'),
    };
    for (const s of o.suites) await SUITES[s](ctx);
    console.log(table(out, rt.adapterName));
    if (o.json) {
      const tmp = `${o.json}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ adapter: rt.adapterName, cases: out.map(({ name, impl, median_ms, gflops, min_ms, max_ms, note }) => ({ name, impl, median_ms, gflops, min_ms, max_ms, ...(note ? { note } : {}) })) }, null, 2) + '\n');
      renameSync(tmp, o.json);
    }
    return 0;
  } finally {
    peer?.dispose();
    rt.destroy();
  }
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
