// `npm run bench:tsne -- --data mnist|PATH [--labels PATH] [--n N] [--methods fft,exact,sklearn]
// [--seed S] [--adapter N|NAME] [--json OUT]`: ours (`webgpu-dec tsne --method fft|exact`) against
// scikit-learn's Barnes-Hut t-SNE (bench/peer_sklearn_tsne.py) on the same points of one data set.
//
// Each method runs in a child process of its own, one after the other, so that none shares the cores
// or the peak RSS with another. The points are those `webgpu-dec tsne` maps: the same seeded subset
// (src/run/map.ts), checked against the `index` column of its tsne.csv. Every map, ours and the
// peer's, then gets its T(5) from one function, sklearn.manifold.trustworthiness, on one sample of
// points (all of them up to 5,000, else tsne()'s own seeded sample); ours' own T(5) from tsne.json is
// kept beside it. A markdown table goes to stdout, the figures to --json (bench/results/ conventions).
// Without a Python that has scikit-learn the peer and that T(5) column are skipped with a note.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags, UsageError, type FlagSpec } from '../src/cli/args.js';
import { flagOf } from '../src/cli/flag-names.js';
import { rowValues, stratifiedSubset } from '../src/data/dataset.js';
import { npyBytes } from '../src/data/formats/npy.js';
import { pythons } from './peer-torch.js';
import { loadData } from '../src/data/load.js';
import { checkWritableFile, writeFileAtomic } from '../src/io/atomic.js';
import { OptionError } from '../src/io/errors.js';
import { packageVersion, sourceCommit } from '../src/io/version.js';
import { packageRoot } from '../src/gpu/shaders.js';
import { MAX_MAP_POINTS, sampleIndices, TRUST_SAMPLE } from '../src/tsne/tsne.js';

const METHODS = ['fft', 'exact', 'sklearn'] as const;
type Method = (typeof METHODS)[number];

const flags: FlagSpec = {
  data: { kind: 'string', help: 'mnist or a file: .npy, .csv, .idx (.gz too), as webgpu-dec tsne reads it (required)' },
  labels: { kind: 'string', help: 'labels for --data (the subset is then stratified by label, as webgpu-dec tsne does)' },
  n: { kind: 'int', help: 'points: the seeded subset webgpu-dec tsne --n takes; default every point (up to 100,000)' },
  methods: { kind: 'string', help: `comma-separated, run in this order: ${METHODS.join(', ')} (default fft,sklearn)` },
  seed: { kind: 'int', help: 'the subset, the T(5) sample and the peer\'s random_state (default 0)' },
  adapter: { kind: 'string', help: 'ours\' adapter, passed to webgpu-dec tsne --adapter' },
  json: { kind: 'string', help: 'write the figures to this file (bench/results/*.json)' },
};
const USAGE = 'usage: npm run bench:tsne -- --data mnist|PATH [--labels PATH] [--n N] [--methods fft,exact,sklearn] [--seed S] [--adapter N|NAME] [--json OUT]';

interface Options {
  data: string;
  labels?: string;
  n?: number;
  methods: Method[];
  seed: number;
  adapter?: string;
  json?: string;
}

export function parseTsneBenchArgs(args: string[]): Options {
  const f = parseFlags(args, flags);
  if (f.data === undefined) throw new UsageError(`bench:tsne needs --data; ${USAGE}`);
  if (f.n !== undefined && (f.n as number) < 3) throw new UsageError(`--n must be at least 3; got ${f.n}`);
  const methods = ((f.methods as string | undefined) ?? 'fft,sklearn').split(',');
  for (const m of methods) if (!(METHODS as readonly string[]).includes(m)) throw new UsageError(`--methods: unknown method "${m}"; choose from ${METHODS.join(', ')}`);
  if (new Set(methods).size !== methods.length) throw new UsageError(`--methods names a method twice: ${methods.join(',')}`);
  return { data: f.data as string, labels: f.labels as string | undefined, n: f.n as number | undefined, methods: methods as Method[], seed: (f.seed as number | undefined) ?? 0, adapter: f.adapter as string | undefined, json: f.json as string | undefined };
}

/** One row of the table: a method's map of the points. */
export interface TsneBenchRow {
  method: Method;
  impl: string;
  n: number;
  d: number;
  /** The map alone, as the method reports it (see the notes); null where it failed. */
  seconds: number | null;
  /** The whole child process: start-up, reading the data, the map, writing it. */
  wall_s: number;
  kl: number | null;
  /** T(5) by sklearn.manifold.trustworthiness on the shared sample; null without scikit-learn. */
  t5_sklearn: number | null;
  /** Ours' own T(5) (tsne.json trustworthiness_5); null for the peer. */
  t5_ours: number | null;
  peak_rss_mb: number | null;
  /** sklearn's seconds over this row's (above 1: faster than sklearn); null without the peer. */
  speedup_vs_sklearn: number | null;
  iterations: number | null;
  learning_rate: number | null;
  command: string;
  error?: string;
}

/** The first Python that imports scikit-learn, or why there is none. */
export function findSklearnPython(): { python: string } | { skipped: string } {
  const tried: string[] = [];
  for (const py of pythons()) {
    const probe = spawnSync(py, ['-c', 'import sklearn.manifold'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return { python: py };
    tried.push(py);
  }
  return { skipped: `scikit-learn peer skipped: no Python with scikit-learn (tried ${tried.join(', ')}); install Debian's python3-sklearn, or set WEBGPU_DEC_PYTHON` };
}

let current: ReturnType<typeof spawn> | null = null;

/** A child process to its end: its stderr passed through (the progress) with its last line kept. */
function runChild(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; lastLine: string; wall_s: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let stdout = '';
    let tail = '';
    child.stdout!.on('data', (b: Buffer) => void (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => {
      process.stderr.write(b);
      tail = (tail + b.toString()).slice(-2000);
    });
    const done = (status: number | null, why = '') => {
      current = null;
      const lastLine = why || tail.trim().split('\n').pop() || '';
      resolve({ status, stdout, lastLine, wall_s: +((performance.now() - t0) / 1000).toFixed(2) });
    };
    child.on('error', (e) => done(null, e.message));
    child.on('close', (code, signal) => done(code ?? (signal ? -1 : null)));
  });
}

const save = (path: string, data: Float32Array, shape: number[]) => writeFileSync(path, npyBytes(data, shape));

/** tsne.csv's map in the order of `order` (input row numbers), checking that it holds exactly those rows. */
export function mapInOrder(csv: string, order: ArrayLike<number>): Float32Array {
  const lines = csv.trim().split('\n');
  const head = lines[0].split(',');
  const [ci, cx, cy] = ['index', 'x', 'y'].map((c) => head.indexOf(c));
  const at = new Map<number, number>();
  for (let i = 0; i < order.length; i++) at.set(order[i], i);
  const y = new Float32Array(order.length * 2);
  let seen = 0;
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const i = at.get(Number(cells[ci]));
    if (i === undefined) break;
    y[2 * i] = Number(cells[cx]);
    y[2 * i + 1] = Number(cells[cy]);
    seen++;
  }
  // A mismatch means src/run/map.ts picks its subset differently from this file: the peer would map other points.
  if (seen !== order.length || lines.length - 1 !== order.length) throw new Error(`tsne.csv holds other rows than the bench's subset of ${order.length} (has src/run/map.ts changed how it picks them?)`);
  return y;
}

/** The points as webgpu-dec tsne maps them: its seeded subset, in its order, with the values it maps. */
async function points(o: Options): Promise<{ x: Float32Array; order: Uint32Array; n: number; d: number; rows: number; name: string }> {
  const all = await loadData(o.data, o.labels);
  const n = Math.min(o.n ?? MAX_MAP_POINTS, all.n);
  if (30 >= n - 1) throw new UsageError(`--n: t-SNE at perplexity 30 needs at least 32 points; got ${n}`);
  const sub = stratifiedSubset(all, n, o.seed); // as runMap does, so that the subset and its order are the same
  const order = sub.index ?? Uint32Array.from({ length: n }, (_, i) => i);
  const x = await rowValues(sub, Uint32Array.from({ length: n }, (_, i) => i));
  return { x, order, n, d: sub.d, rows: all.n, name: all.name };
}

interface Mapped {
  row: TsneBenchRow;
  map?: string; // the map's .npy in the subset's order
  adapter?: string;
  t5Points?: number;
}

async function runOurs(o: Options, method: 'fft' | 'exact', pts: { order: Uint32Array; n: number; d: number }, tmp: string): Promise<Mapped> {
  const out = join(tmp, method);
  const args = ['tsne', '--data', o.data, ...(o.labels ? ['--labels', o.labels] : []), ...(o.n !== undefined ? ['--n', String(o.n)] : []), '--method', method, '--seed', String(o.seed), ...(o.adapter ? ['--adapter', o.adapter] : []), '--json'];
  const command = `node bin/webgpu-dec.js ${args.join(' ')} --out DIR`;
  const r = await runChild(process.execPath, [join(packageRoot(), 'bin', 'webgpu-dec.js'), ...args, '--out', out]);
  const row: TsneBenchRow = { method, impl: `ours (${method})`, n: pts.n, d: pts.d, seconds: null, wall_s: r.wall_s, kl: null, t5_sklearn: null, t5_ours: null, peak_rss_mb: null, speedup_vs_sklearn: null, iterations: null, learning_rate: null, command };
  if (r.status !== 0) return { row: { ...row, error: `exit ${r.status}: ${r.lastLine}` } };
  const info = JSON.parse(readFileSync(join(out, 'tsne.json'), 'utf8')) as { n: number; d: number; seconds: number; kl: number; trustworthiness_5: number | null; trustworthiness_points: number; peak_rss_mb: number; iterations: number; learning_rate: number; adapter: string };
  const map = join(tmp, `${method}.npy`);
  save(map, mapInOrder(readFileSync(join(out, 'tsne.csv'), 'utf8'), pts.order), [pts.n, 2]);
  rmSync(out, { recursive: true, force: true });
  Object.assign(row, { seconds: info.seconds, kl: info.kl, t5_ours: info.trustworthiness_5, peak_rss_mb: info.peak_rss_mb, iterations: info.iterations, learning_rate: info.learning_rate });
  return { row, map, adapter: info.adapter, t5Points: info.trustworthiness_points };
}

async function runPeer(o: Options, python: string, pts: { n: number; d: number }, tmp: string): Promise<Mapped & { sklearn?: string }> {
  const script = join(packageRoot(), 'bench', 'peer_sklearn_tsne.py');
  const [map, json] = [join(tmp, 'sklearn.npy'), join(tmp, 'sklearn.json')];
  const args = [script, 'map', '--x', join(tmp, 'x.npy'), '--seed', String(o.seed), '--map-out', map, '--json-out', json];
  const command = `${python} bench/peer_sklearn_tsne.py map --x X.npy --seed ${o.seed} --map-out Y.npy --json-out R.json`;
  const r = await runChild(python, args);
  const row: TsneBenchRow = { method: 'sklearn', impl: 'scikit-learn (Barnes-Hut)', n: pts.n, d: pts.d, seconds: null, wall_s: r.wall_s, kl: null, t5_sklearn: null, t5_ours: null, peak_rss_mb: null, speedup_vs_sklearn: null, iterations: null, learning_rate: null, command };
  if (r.status !== 0) return { row: { ...row, error: `exit ${r.status}: ${r.lastLine}` } };
  const p = JSON.parse(readFileSync(json, 'utf8')) as { seconds: number; kl_divergence: number; n_iter: number; learning_rate: number; peak_rss_mb: number; sklearn: string; threads: number };
  Object.assign(row, { seconds: +p.seconds.toFixed(2), kl: +p.kl_divergence.toFixed(5), peak_rss_mb: Math.round(p.peak_rss_mb), iterations: p.n_iter, learning_rate: +p.learning_rate.toFixed(2), impl: `scikit-learn ${p.sklearn} (Barnes-Hut, angle 0.5, ${p.threads} threads)` });
  return { row, map, sklearn: p.sklearn };
}

/** T(5) of every map by sklearn.manifold.trustworthiness, on one sample (positions in the subset). */
async function trustOfAll(python: string, maps: string[], n: number, seed: number, tmp: string): Promise<{ t5: number[]; points: number } | string> {
  const args = [join(packageRoot(), 'bench', 'peer_sklearn_tsne.py'), 'trust', '--x', join(tmp, 'x.npy'), '--maps', maps.join(',')];
  if (n > TRUST_SAMPLE) {
    // tsne()'s own sample, so that the two T(5) columns are over the same points. Stored as float32:
    // row numbers below 2^24 are exact there, and npyBytes writes float32 only.
    save(join(tmp, 'sample.npy'), Float32Array.from(sampleIndices(n, TRUST_SAMPLE, seed)), [TRUST_SAMPLE]);
    args.push('--sample', join(tmp, 'sample.npy'));
  }
  const r = await runChild(python, args);
  if (r.status !== 0) return `T(5) by scikit-learn failed (exit ${r.status}): ${r.lastLine}`;
  return JSON.parse(r.stdout) as { t5: number[]; points: number };
}

const cell = (v: number | null | undefined, digits: number) => (v === null || v === undefined ? '–' : v.toFixed(digits));

export function tsneTable(rows: TsneBenchRow[], head: string[]): string {
  const lines = [...head, '', '| method | n | d | seconds | KL | T(5) sklearn fn | T(5) ours | peak RSS MB | × sklearn | note |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const r of rows) {
    lines.push(`| ${r.impl} | ${r.n} | ${r.d} | ${cell(r.seconds, 2)} | ${cell(r.kl, 4)} | ${cell(r.t5_sklearn, 4)} | ${cell(r.t5_ours, 4)} | ${cell(r.peak_rss_mb, 0)} | ${cell(r.speedup_vs_sklearn, 2)} | ${r.error ?? ''} |`);
  }
  return lines.join('\n');
}

const NOTES = [
  "KL: ours' fft KL is computed with the FFT-interpolated Z (exact: every pair); scikit-learn's kl_divergence_ is its Barnes-Hut estimate (angle 0.5) at its last check. They are estimates of the same quantity by different approximations, not equal measurements.",
  "seconds: ours' tsne.json seconds (tsne(): affinities, the iterations, and its own T(5) on the GPU; not device start-up, reading the data or writing files); scikit-learn's: fit_transform alone (kNN, P, the iterations). wall_s: each whole child process. × sklearn: scikit-learn's seconds over the row's (above 1: faster than scikit-learn), same run.",
  "T(5) sklearn fn: sklearn.manifold.trustworthiness(X[idx], Y[idx], n_neighbors=5) for every map, on the same idx (every point up to 5,000, else sampleIndices(n, 5000, seed) of src/tsne/tsne.ts). Ours' maps are read from tsne.csv (6 significant digits). T(5) ours: tsne.json's trustworthiness_5, computed on the GPU on the same points.",
  "Settings: perplexity 30, early exaggeration 12 for 250 iterations, 1000 iterations, PCA initialisation, learning rate 'auto' for all: max(n/48, 50) in scikit-learn's gradient convention (with the factor 4), which ours shares; it is FIt-SNE's and openTSNE's max(n/12, 200) in theirs (without it). See learning_rate per row. scikit-learn's n_iter_ is the index of its last iteration (999 for 1000).",
];

/** Runs the methods; the table, the figures, and whether any method failed. */
export async function tsneBench(o: Options, argv: string[], tmp: string): Promise<{ table: string; data: Record<string, unknown>; failed: boolean }> {
  const pts = await points(o);
  save(join(tmp, 'x.npy'), pts.x, [pts.n, pts.d]);
  const notes = [...NOTES];
  const py = findSklearnPython();
  if ('skipped' in py) notes.unshift(py.skipped);
  const done: Mapped[] = [];
  let sklearn: string | undefined;
  for (const m of o.methods) {
    process.stderr.write(`bench:tsne: ${m} on ${pts.n} points of ${pts.name} (d = ${pts.d})\n`);
    if (m !== 'sklearn') done.push(await runOurs(o, m, pts, tmp));
    else if ('python' in py) {
      const r = await runPeer(o, py.python, pts, tmp);
      sklearn = r.sklearn;
      done.push(r);
    }
  }
  const withMap = done.filter((d) => d.map);
  let t5Points: number | null = null;
  if ('python' in py && withMap.length) {
    const t = await trustOfAll(py.python, withMap.map((d) => d.map!), pts.n, o.seed, tmp);
    if (typeof t === 'string') notes.unshift(t);
    else withMap.forEach((d, i) => ((d.row.t5_sklearn = +t.t5[i].toFixed(5)), (t5Points = t.points)));
  }
  for (const d of withMap) if (d.t5Points !== undefined && d.t5Points !== Math.min(pts.n, TRUST_SAMPLE)) notes.unshift(`${d.row.impl}'s own T(5) is over ${d.t5Points} points (its adapter's limit), not the ${Math.min(pts.n, TRUST_SAMPLE)} of the other column`);
  const peer = done.find((d) => d.row.method === 'sklearn')?.row.seconds;
  for (const d of done) if (peer && d.row.seconds) d.row.speedup_vs_sklearn = +(peer / d.row.seconds).toFixed(3);
  const rows = done.map((d) => d.row);
  const adapter = done.find((d) => d.adapter)?.adapter ?? null;
  const cpu = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores`;
  const command = `npm run bench:tsne -- ${argv.join(' ')}`;
  const data = {
    format: 'webgpu-dec-tsne-bench/1',
    version: packageVersion(),
    commit: sourceCommit(),
    adapter,
    cpu,
    date: new Date().toISOString(),
    command,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}${sklearn ? `, scikit-learn ${sklearn}` : ''}`,
    data: o.data,
    labels: o.labels ?? null,
    points: { n: pts.n, rows: pts.rows, d: pts.d, seed: o.seed, subset: pts.n < pts.rows ? 'seeded, stratified by label where labels are given (as webgpu-dec tsne --n)' : 'all' },
    t5_points: t5Points,
    notes,
    rows,
  };
  const head = [`t-SNE of ${pts.n} of ${pts.rows} points of ${pts.name} (d = ${pts.d}), seed ${o.seed}; ours on ${adapter ?? '–'}; ${cpu}.`, ...notes.map((n) => `- ${n}`)];
  return { table: tsneTable(rows, head), data, failed: rows.some((r) => r.error) };
}

async function main(argv: string[]): Promise<number> {
  const o = parseTsneBenchArgs(argv);
  if (o.json) checkWritableFile(o.json, 'json'); // before the maps, not after them
  const tmp = mkdtempSync(join(tmpdir(), 'bench-tsne-'));
  // Ctrl-C or a scheduler's SIGTERM: end the child running now, remove the temporary files, and exit
  // 128 + the signal's number; a second signal is the same request (the terminal signals the child too).
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(sig, () => {
      current?.kill(sig);
      rmSync(tmp, { recursive: true, force: true });
      process.exit(code);
    });
  }
  try {
    const r = await tsneBench(o, argv, tmp);
    console.log(r.table);
    if (o.json) process.stderr.write(`bench:tsne: wrote ${writeFileAtomic(o.json, JSON.stringify(r.data, null, 2) + '\n')}\n`);
    return r.failed ? 1 : 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// Run directly (npm run bench:tsne): node dist/bench/tsne.js [flags]
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      const code = typeof (e as { exitCode?: unknown }).exitCode === 'number' ? ((e as { exitCode: number }).exitCode) : 1;
      const message = e instanceof OptionError ? e.render(flagOf) : (e as Error).message;
      console.error(`bench:tsne: ${code === 2 ? message.replace(/\s*\n\s*/g, ' ').trim() : message}`);
      process.exit(code);
    },
  );
}
