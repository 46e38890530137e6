// The package as a user gets it: `npm pack` (which runs `prepare`, the build, as `npm publish`
// would), the tarball installed into an empty project, and everything then used from there only
// through what the package declares: its `bin`, its `exports`, its `dependencies`. A file missing
// from `files`, a dev-only dependency used at run time, a broken `bin` or `exports` entry fails here.
import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve('.');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
/** Imported only by the benchmark's peer, dynamically and guarded: absent from an installed package. */
const OPTIONAL_PEERS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'];

let dir = '';
let project = '';
let installed = '';

/** Runs a command in the project; stderr without Dawn's start-up warnings. */
function inProject(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { cwd: project, encoding: 'utf8', timeout: 240_000, ...opts });
  expect(r.error, `${cmd} ${args.join(' ')} must exit by itself`).toBeUndefined();
  const stderr = String(r.stderr).split('\n').filter((l) => l && !l.startsWith('Warning: ')).join('\n');
  return { status: r.status, stdout: String(r.stdout), stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dec-pack-'));
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { filename: string }[];
  project = join(dir, 'project');
  execFileSync('mkdir', [project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pack-check', version: '1.0.0', private: true, type: 'module' }));
  execFileSync('npm', ['install', join(dir, packed.filename), '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'], { cwd: project, stdio: 'pipe' });
  installed = join(project, 'node_modules', pkg.name);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package, installed from its tarball into an empty project', () => {
  it('npx webgpu-dec --version (and -v) prints the version', () => {
    for (const flag of ['--version', '-v']) {
      const r = inProject('npx', ['--no', '--', 'webgpu-dec', flag]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
    }
  });

  it('npx webgpu-dec info opens the adapter and prints it', () => {
    const r = inProject('npx', ['--no', '--', 'webgpu-dec', 'info']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^vendor:/);
    expect(r.stdout).toMatch(/maxStorageBufferBindingSize\s+\d+/);
  });

  it('example (a), as plain JavaScript importing webgpu-dec, runs in the project', () => {
    copyFileSync(join(repo, 'dist/examples/cluster-array.js'), join(project, 'cluster-array.mjs'));
    const r = inProject(process.execPath, ['cluster-array.mjs']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^clusters of 100, 100, 100, 100 points; ACC 1\.000/);
  });

  it('only the entry points in "exports" can be imported: everything else is internal', () => {
    const code = `for (const s of ['webgpu-dec', 'webgpu-dec/engine', 'webgpu-dec/package.json', 'webgpu-dec/dist/src/gpu/runtime.js']) {
      try { await import(s, s.endsWith('.json') ? { with: { type: 'json' } } : undefined); console.log(s, 'ok'); } catch (e) { console.log(s, e.code); }
    }`;
    const r = inProject(process.execPath, ['--input-type=module', '-e', code]);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'webgpu-dec ok',
      'webgpu-dec/engine ok',
      'webgpu-dec/package.json ok',
      'webgpu-dec/dist/src/gpu/runtime.js ERR_PACKAGE_PATH_NOT_EXPORTED',
    ]);
  });

  it('every package the shipped code imports is a dependency (dev dependencies are not installed)', () => {
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(m?js)$/.test(e)) files.push(p);
      }
    };
    for (const top of ['bin', 'dist', 'scripts']) walk(join(installed, top));
    expect(files.length).toBeGreaterThan(50);
    const bare = (s: string) => !/^(\.|\/|node:|file:)/.test(s) && !builtinModules.includes(s);
    const packageOf = (s: string) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/');
    const problems: string[] = [];
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      const statics = [...src.matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2] ?? m[3]);
      const dynamics = [...src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
      for (const s of statics.filter(bare).map(packageOf)) if (s !== pkg.name && !(s in pkg.dependencies)) problems.push(`${f}: imports ${s}`);
      for (const s of dynamics.filter(bare).map(packageOf)) if (s !== pkg.name && !(s in pkg.dependencies) && !OPTIONAL_PEERS.includes(s)) problems.push(`${f}: imports ${s} dynamically`);
    }
    expect(problems).toEqual([]);
    for (const peer of OPTIONAL_PEERS) expect(pkg.devDependencies, `${peer} stays out of dependencies`).toHaveProperty(peer);
  });

  it('without the optional tfjs peer, the benchmark loads and its peer says how to add it', () => {
    const r = inProject('npx', ['--no', '--', 'webgpu-dec', 'bench', '--suite', 'no-such-suite']);
    expect(r.status).toBe(2); // the bench modules loaded; only the flag is wrong
    expect(r.stderr).toMatch(/^webgpu-dec: unknown suite "no-such-suite"/);
    const peer = `const { loadTfjsPeer } = await import(${JSON.stringify(join(installed, 'dist/bench/peer-tfjs.js'))}); console.log(await loadTfjsPeer());`;
    const p = inProject(process.execPath, ['--input-type=module', '-e', peer]);
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/^tfjs-webgpu peer skipped: install @tensorflow\/tfjs-core and @tensorflow\/tfjs-backend-webgpu/);
  });

  it('the type declarations come through "exports": the examples and a user file type-check against the installed package', () => {
    for (const f of ['cluster-array.ts', 'custom-op.ts']) copyFileSync(join(repo, 'examples', f), join(project, f));
    writeFileSync(
      join(project, 'user.ts'),
      [
        "import { cluster, predict, type ClusterResult, type DecModel } from 'webgpu-dec';",
        "import { Runtime, type Tensor } from 'webgpu-dec/engine';",
        '// The WebGPU types arrive with the declarations (no @webgpu/types in this project).',
        'export const buffer = (t: Tensor): GPUBuffer => t.buffer;',
        'export const run = (x: Float32Array): Promise<ClusterResult> => cluster(x, { d: 2, k: 2 });',
        'export const again = (m: DecModel, x: Float32Array) => predict(m, x).then((p) => p.assignments satisfies Uint32Array);',
        'export const open = (): Promise<Runtime> => Runtime.create();',
      ].join('\n'),
    );
    const tsconfig = {
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(repo, 'node_modules/@types')] },
      files: ['cluster-array.ts', 'custom-op.ts', 'user.ts'],
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const r = inProject(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
