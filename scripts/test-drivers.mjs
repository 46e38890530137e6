// `npm run test:drivers [-- --only lavapipe-32,lavapipe-64] [--quick] [--json FILE]`: the kernel tests on every
// software driver configuration this machine offers (src/gpu/tested.ts): lavapipe at subgroup sizes
// 4, 8, 16, 32 and 64, and SwiftShader where Debian's chromium is installed. Each configuration
// runs in its own vitest process (the driver reads its settings when it loads). Prints one table:
// configuration, adapter, subgroup size, tests passed / failed, time; exits 1 where any test failed
// or a configuration did not give the adapter it names.
// Why GALLIVM_PERF=nopt for lavapipe: LLVM compiles 1024- and 2048-bit code for every pipeline
// variant slowly (the matmul tests at subgroup 32 took 165 s, 79 s without LLVM's optimisation
// passes); the tests check what the kernels compute, which those passes must not change.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DRIVER_CONFIGS } from '../dist/src/gpu/tested.js';
import { packageVersion, sourceCommit } from '../dist/src/io/version.js';

/**
 * The kernel tests: the op table at odd and edge shapes with its gradient checks, the product
 * kernels of every class and transpose, the DEC / k-means / t-SNE / warp kernels, the optimisers,
 * the assignment pass, chunked = unchunked and streamed = resident.
 */
export const KERNEL_TESTS = [
  'test/ops.test.ts',
  'test/robustness.test.ts',
  'test/matmul.test.ts',
  'test/dec.test.ts',
  'test/kmeans.test.ts',
  'test/tsne.test.ts',
  'test/augment.test.ts',
  'test/optim.test.ts',
  'test/assign.test.ts',
  'test/row-sources.test.ts',
  'test/phases.test.ts',
];

/**
 * --quick (CI, at subgroup 32 and 64): every kernel of the op table but the products, the subgroup
 * product kernel at the configuration's size (every transpose, mask, bias + ReLU, split-K; the
 * 255×257×31 product that once lost columns at 32 and 64), and the DEC, k-means, t-SNE,
 * optimiser and assignment tests. What it leaves out is the products of the kernels that use no
 * subgroups at every shape: LLVM takes minutes to compile their variants at 1024 and 2048 bits.
 */
const QUICK = {
  files: ['test/ops.test.ts', 'test/matmul.test.ts', 'test/dec.test.ts', 'test/kmeans.test.ts', 'test/tsne.test.ts', 'test/optim.test.ts', 'test/assign.test.ts'],
  grep: "^(?!'matrix products)(?!matmul \\(\\w+\\) matches)(?!subgroup sizes other)",
};

function parseArgs(argv) {
  const o = { only: null, json: null, files: KERNEL_TESTS, grep: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') o.only = argv[++i].split(',');
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--files') o.files = argv[++i].split(',');
    else if (a === '--quick') Object.assign(o, QUICK);
    else {
      console.error(`test:drivers: unknown flag "${a}"; use --only ${DRIVER_CONFIGS.map((c) => c.name).join(',')}, --quick, --json FILE, --files A,B`);
      process.exit(2);
    }
  }
  if (o.only) {
    const unknown = o.only.filter((n) => !DRIVER_CONFIGS.some((c) => c.name === n));
    if (unknown.length) {
      console.error(`test:drivers: no configuration named ${unknown.join(', ')}; the configurations are ${DRIVER_CONFIGS.map((c) => c.name).join(', ')}`);
      process.exit(2);
    }
  }
  return o;
}

/** The adapter a configuration gives: its name and subgroup size, or null where there is none. */
function probe(env) {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('probe-adapter.mjs', import.meta.url)), '--json'], { env, encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return r.status === 0 && line.startsWith('{') ? JSON.parse(line) : null;
}

function run(config, files, grep) {
  const icd = config.env.VK_ICD_FILENAMES;
  if (icd && !existsSync(icd)) return { config: config.name, adapter: `not installed (${icd})`, subgroup: config.subgroup, passed: 0, failed: 0, skipped: 0, seconds: 0, missing: true };
  const env = { ...process.env, ...config.env, WEBGPU_DEC_EXPECT_SUBGROUP: String(config.subgroup), WEBGPU_DEC_ADAPTER: '' };
  if (config.name.startsWith('lavapipe')) env.GALLIVM_PERF = 'nopt';
  const adapter = probe(env);
  const row = { config: config.name, adapter: adapter?.name ?? 'no adapter', subgroup: adapter?.subgroup ?? null, passed: 0, failed: 0, skipped: 0, seconds: 0, failures: [] };
  if (!adapter || adapter.subgroup !== config.subgroup) {
    row.failures.push(`expected an adapter with subgroup size ${config.subgroup}, got ${adapter ? adapter.subgroup : 'none'}`);
    row.failed = 1;
    return row;
  }
  const out = join(mkdtempSync(join(tmpdir(), 'test-drivers-')), 'vitest.json');
  const t0 = Date.now();
  const r = spawnSync('npx', ['vitest', 'run', ...files, ...(grep ? ['-t', grep] : []), '--reporter=json', `--outputFile=${out}`], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  row.seconds = Math.round((Date.now() - t0) / 1000);
  if (!existsSync(out)) {
    row.failed = 1;
    row.failures.push(`vitest wrote no report (exit ${r.status}): ${(r.stderr || r.stdout).slice(-500)}`);
    return row;
  }
  const rep = JSON.parse(readFileSync(out, 'utf8'));
  row.passed = rep.numPassedTests;
  row.failed = rep.numFailedTests + (rep.numFailedTestSuites ?? 0);
  row.skipped = rep.numPendingTests + (rep.numTodoTests ?? 0);
  for (const f of rep.testResults) {
    for (const t of f.assertionResults) if (t.status === 'failed') row.failures.push(`${f.name.replace(process.cwd() + '/', '')} > ${t.fullName}: ${(t.failureMessages[0] ?? '').split('\n')[0]}`);
    if (f.status === 'failed' && !f.assertionResults.length) row.failures.push(`${f.name}: ${f.message}`);
  }
  return row;
}

const o = parseArgs(process.argv.slice(2));
const configs = DRIVER_CONFIGS.filter((c) => !o.only || o.only.includes(c.name));
const rows = [];
for (const c of configs) {
  console.error(`test:drivers: ${c.name} …`);
  const row = run(c, o.files, o.grep);
  rows.push(row);
  console.error(`test:drivers: ${c.name}: ${row.passed} passed, ${row.failed} failed, ${row.skipped} skipped, ${row.seconds} s`);
  for (const f of row.failures ?? []) console.error(`  FAIL ${f}`);
}
const lines = ['| configuration | adapter | subgroup size | passed | failed | skipped | time |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |'];
for (const r of rows) lines.push(`| ${r.config} | ${r.adapter} | ${r.subgroup ?? '—'} | ${r.missing ? '—' : r.passed} | ${r.missing ? '—' : r.failed} | ${r.missing ? '—' : r.skipped} | ${r.missing ? '—' : `${r.seconds} s`} |`);
console.log(lines.join('\n'));
if (o.json) {
  const tmp = `${o.json}.tmp-${process.pid}`;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}`;
  writeFileSync(tmp, JSON.stringify({ date: new Date().toISOString(), version: packageVersion(), commit: sourceCommit(), machine, quick: !!o.grep, command: `npm run test:drivers${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`, files: o.files, rows }, null, 2) + '\n');
  renameSync(tmp, o.json);
}
process.exit(rows.some((r) => r.failed > 0) ? 1 : 0);
