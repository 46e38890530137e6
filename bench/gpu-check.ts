// `npm run gpu-check -- [--quick] [--out DIR] [--adapter N|NAME] [--tsne-data PATH [--tsne-labels PATH]]`
// (the `--` only when a flag is given): everything a GPU machine should be checked for, in one
// command, with a progress line per part: the adapter; the product-kernel choice, measured afresh;
// the matmul and training suites with the roofline; the default run on the bundled digits; the
// `paper` preset at the shortened schedule of its parity row (docs/experiments.md); a t-SNE map
// by the fft method of --tsne-data (default: the 10,000 bundled digits; the docs' 70,000-point
// map is of the Fashion-MNIST DEC embedding, docs/performance.md). Writes
// <out>/<adapter>-<date>.json (every figure, with version and commit: the docs' tables are generated
// from such files by scripts/docs-results.mjs) and .md (a summary); <out> is bench/results by default.
//
// --quick runs the same parts at small sizes (a few minutes on lavapipe): a smoke test of the
// command, not figures to quote. A part that fails is recorded and the others still run; the exit
// code is then 1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../src/gpu/runtime.js';
import { packageRoot } from '../src/gpu/shaders.js';
import { CHOICE_COLUMNS, choiceRows, type ProductChoice } from '../src/tensor/ops/matmul-classes.js';
import { chooseProducts } from '../src/tensor/ops/matmul-choice.js';
import { writeAtomic } from '../src/io/atomic.js';
import { readMetrics, type RunMetrics, type Scores } from '../src/records/metrics.js';
import { benchmark } from './run.js';

interface Options {
  quick: boolean;
  out: string;
  adapter?: string;
  tsneData: string;
  tsneLabels?: string;
}

function parseArgs(args: string[]): Options {
  const o: Options = { quick: false, out: join(packageRoot(), 'bench', 'results'), tsneData: 'mnist' };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--quick') o.quick = true;
    else if (args[i] === '--out' && args[i + 1]) o.out = args[++i];
    else if (args[i] === '--adapter' && args[i + 1]) o.adapter = args[++i];
    else if (args[i] === '--tsne-data' && args[i + 1]) o.tsneData = args[++i];
    else if (args[i] === '--tsne-labels' && args[i + 1]) o.tsneLabels = args[++i];
    else throw new Error(`unknown flag "${args[i]}"; use --quick, --out DIR, --adapter N|NAME, --tsne-data PATH, --tsne-labels PATH`);
  }
  return o;
}

/** A training run's flags: full size, and the --quick smoke size. */
const RUNS = {
  default: {
    what: 'the default run (`npm start`: the quick preset on the 10,000 bundled digits), seed 0',
    full: ['--seed', '0'],
    quick: ['--n', '600', '--epochs', '2', '--max-iter', '60', '--update-interval', '20', '--kmeans-restarts', '2', '--tsne-points', '100', '--seed', '0'],
  },
  paper: {
    what: 'the paper preset at the parity schedule (2,000 steps a layer, 4,000 of fine-tuning, lr step 1,500, 4,000 DEC iterations), seed 0',
    full: ['--preset', 'paper', '--layer-iters', '2000', '--finetune-iters', '4000', '--lr-step', '1500', '--max-iter', '4000', '--seed', '0', '--tsne-points', '0'],
    quick: ['--preset', 'paper', '--n', '600', '--layer-iters', '20', '--finetune-iters', '40', '--lr-step', '15', '--max-iter', '40', '--update-interval', '20', '--kmeans-restarts', '2', '--raw-kmeans-restarts', '2', '--seed', '0', '--tsne-points', '0'],
  },
} as const;

/** What one `webgpu-dec` command in a child process gave: its command line, time, and `R` read from its --out folder, or why not. */
type ChildRecord<K extends string, R> = { command: string; wall_s: number; error?: string } & { [key in K]?: R };

/**
 * `webgpu-dec <command> ...flags --out TMP` in a child process (its progress on our stderr), then
 * `read(TMP)` for what it wrote; the folder is removed either way.
 */
function child<K extends string, R>(command: string, flags: readonly string[], key: K, read: (out: string) => R): ChildRecord<K, R> {
  const dir = mkdtempSync(join(tmpdir(), `gpu-check-${command}-`));
  const args = [command, ...flags, '--out', join(dir, 'out')];
  const line = `node bin/webgpu-dec.js ${args.slice(0, -2).join(' ')}`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(packageRoot(), 'bin', 'webgpu-dec.js'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const wall_s = +((performance.now() - t0) / 1000).toFixed(1);
  try {
    if (r.status !== 0) return { command: line, wall_s, error: `exit ${r.status ?? r.signal}` } as ChildRecord<K, R>;
    return { command: line, wall_s, [key]: read(join(dir, 'out')) } as ChildRecord<K, R>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type RunRecord = ChildRecord<'metrics', RunMetrics>;

/** One `webgpu-dec train`; its metrics.json. */
function trainRun(flags: readonly string[], adapter: string | undefined): RunRecord {
  return child('train', [...flags, ...(adapter ? ['--adapter', adapter] : [])], 'metrics', readMetrics);
}

/** One `webgpu-dec tsne --method fft`; its tsne.json (method, n, seconds, KL, T(5), peak RSS…) without the KL history. */
function tsneRun(o: Options): ChildRecord<'map', Record<string, unknown>> {
  const flags = ['--data', o.tsneData, ...(o.tsneLabels ? ['--labels', o.tsneLabels] : []), '--method', 'fft', ...(o.quick ? ['--n', '500'] : []), ...(o.adapter ? ['--adapter', o.adapter] : [])];
  return child('tsne', flags, 'map', (out) => {
    const { kl_history: _, ...map } = JSON.parse(readFileSync(join(out, 'tsne.json'), 'utf8')) as Record<string, unknown>;
    return map;
  });
}

const fmt = (s: Scores | null | undefined) => (s ? `${s.acc.toFixed(3)} / ${s.nmi.toFixed(3)} / ${s.ari.toFixed(3)}` : '–');

function choiceTable(c: ProductChoice): string[] {
  const row = (r: string[]) => `| ${r.join(' | ')} |`;
  return [row(CHOICE_COLUMNS), row(CHOICE_COLUMNS.map(() => '---')), ...choiceRows(c).map(row)];
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const date = new Date().toISOString();
  const parts = ['adapter', 'product-kernel choice', 'matmul and training suites with the roofline', 'default run', 'paper preset, parity schedule', 't-SNE map (fft method)'];
  let part = 0;
  const step = (name: string) => process.stderr.write(`gpu-check [${++part}/${parts.length}] ${name}${o.quick ? ' (--quick: small sizes)' : ''} … ${((performance.now() - started) / 1000).toFixed(0)} s so far\n`);
  const failures: string[] = [];
  const result: Record<string, unknown> = { format: 'webgpu-dec-gpu-check/1', date, quick: o.quick };
  const md: string[] = [];

  step(parts[0]);
  const rt = await Runtime.create({ adapter: o.adapter });
  const i = rt.gpu.info;
  const adapter = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, subgroupSize: rt.gpu.subgroupSize, software: rt.gpu.isSoftware };
  result.adapter = adapter;
  process.stderr.write(`  ${rt.adapterName}\n`);
  step(parts[1]);
  try {
    // Every class measured, even on a busy machine: this command is about the figures.
    const r = await chooseProducts(rt, { refresh: true, budgetMs: 20_000 });
    result.products = { ...r.choice, measure_ms: r.measureMs };
    md.push(`## Product kernels`, '', `${r.how}.`, '', ...choiceTable(r.choice), '');
  } catch (e) {
    failures.push(`${parts[1]}: ${(e as Error).message}`);
  } finally {
    rt.destroy();
  }

  step(parts[2]);
  try {
    const b = await benchmark({ suites: ['matmul', 'training'], quick: o.quick, only: o.quick ? '256x784x500' : undefined, adapter: o.adapter }, (l) => process.stderr.write(`  ${l}\n`));
    result.bench = b.data;
    md.push('## Benchmarks', '', `\`npm run bench -- --suite matmul,training${o.quick ? ' --quick --only 256x784x500' : ''}\``, '', b.table, '');
  } catch (e) {
    failures.push(`${parts[2]}: ${(e as Error).message}`);
  }

  const runs: Record<string, RunRecord> = {};
  for (const [key, name] of [['default', parts[3]], ['paper', parts[4]]] as const) {
    step(name);
    const run = trainRun(o.quick ? RUNS[key].quick : RUNS[key].full, o.adapter);
    runs[key] = run;
    if (run.error) failures.push(`${name}: ${run.error}`);
  }
  result.runs = runs;
  md.push('## Training runs', '', '| run | command | DEC ACC / NMI / ARI | AE + k-means | raw k-means | DEC iterations | seconds: pretrain / k-means / DEC / total | wall |', '| --- | --- | --- | --- | --- | ---: | --- | ---: |');
  for (const [key, run] of Object.entries(runs)) {
    const m = run.metrics;
    const secs = m ? `${m.seconds.pretrain} / ${m.seconds.kmeans} / ${m.seconds.dec} / ${m.seconds.total}` : run.error;
    md.push(`| ${o.quick ? `${key} (--quick: 600 digits, a few steps)` : RUNS[key as keyof typeof RUNS].what} | \`${run.command}\` | ${fmt(m?.dec)} | ${fmt(m?.ae_kmeans)} | ${fmt(m?.raw_kmeans)} | ${m ? `${m.dec_iterations} (${m.stopped_by})` : ''} | ${secs} | ${run.wall_s} s |`);
  }
  const paper = runs.paper?.metrics;
  if (paper) {
    md.push('', 'The parity row of docs/experiments.md ("Input scale of the `paper` preset"):', '');
    md.push(`| this project: \`${runs.paper.command}\` | ${paper.ae_kmeans?.acc.toFixed(3) ?? '–'} | ${paper.dec ? `${paper.dec.acc.toFixed(3)} / ${paper.dec.nmi.toFixed(3)}` : '–'} | ${adapter.description}, ${date.slice(0, 10)}${o.quick ? ' (--quick: not the parity schedule)' : ''} |`);
  }
  step(parts[5]);
  const map = tsneRun(o);
  result.tsne = map;
  if (map.error) failures.push(`${parts[5]}: ${map.error}`);
  const m = map.map as { n?: number; seconds?: number; kl?: number; trustworthiness_5?: number; trustworthiness_points?: number; peak_rss_mb?: number } | undefined;
  md.push('', '## t-SNE map', '', '| command | points | seconds (map) | KL | T(5) | peak RSS | wall |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  md.push(`| \`${map.command}\` | ${m?.n ?? '–'} | ${m?.seconds ?? map.error} | ${m?.kl ?? '–'} | ${m?.trustworthiness_5 ?? '–'} (${m?.trustworthiness_points ?? '–'} points) | ${m?.peak_rss_mb ?? '–'} MB | ${map.wall_s} s |`);
  const total_s = +((performance.now() - started) / 1000).toFixed(1);
  result.total_s = total_s;
  result.failures = failures;

  const head = [
    `# GPU check: ${adapter.description || adapter.device}`,
    '',
    `${date.slice(0, 10)}; \`npm run gpu-check${o.quick ? ' -- --quick' : ''}\`; ${total_s} s in all. Adapter: ${adapter.vendor} / ${adapter.architecture} / ${adapter.device} / ${adapter.description}; subgroup size ${adapter.subgroupSize ?? 'none'}.`,
    ...(failures.length ? ['', `**Failed parts:** ${failures.join('; ')}`] : []),
    '',
  ];
  const slug = `${adapter.vendor}-${adapter.device || adapter.architecture}`.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  const base = `${slug}-${date.slice(0, 10)}${o.quick ? '-quick' : ''}`;
  const json = writeAtomic(o.out, `${base}.json`, JSON.stringify(result, null, 2) + '\n');
  const summary = writeAtomic(o.out, `${base}.md`, [...head, ...md].join('\n') + '\n');
  process.stderr.write(`gpu-check: ${failures.length ? `${failures.length} part(s) failed; ` : ''}wrote ${json} and ${summary} (${total_s} s)\n`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`gpu-check: ${(e as Error).message}`);
    process.exit(1);
  },
);
