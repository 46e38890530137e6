// The examples as a user runs them: built (npm run build puts them in dist/examples), run by node,
// importing the package by its name (webgpu-dec, webgpu-dec/engine) through package.json
// "exports", never by a path into src/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const examples = readdirSync('examples').filter((f) => f.endsWith('.ts'));
const built = (name: string) => join('dist', 'examples', name.replace(/\.ts$/, '.js'));

const run = (name: string, args: string[] = []) => {
  const r = spawnSync(process.execPath, [built(name), ...args], { encoding: 'utf8', timeout: 240_000 });
  expect(r.error, `${name} must exit by itself`).toBeUndefined();
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.split('\n').filter((l) => l && !l.startsWith('Warning: ')).join('\n') };
};

beforeAll(() => {
  for (const name of examples) {
    const js = built(name);
    if (!existsSync(js) || statSync(js).mtimeMs < statSync(join('examples', name)).mtimeMs) {
      throw new Error(`${js} is missing or older than examples/${name}: run npm run build first`);
    }
  }
});

describe('the examples', () => {
  it('import the package only by its name, never a path into src/', () => {
    expect(examples).toEqual(expect.arrayContaining(['cluster-array.ts', 'custom-op.ts', 'save-and-predict.ts']));
    for (const name of examples) {
      const specifiers = [...readFileSync(join('examples', name), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(specifiers.filter((s) => !s.startsWith('node:')), name).toSatisfy((ss: string[]) => ss.every((s) => s === 'webgpu-dec' || s === 'webgpu-dec/engine'));
    }
  });

  it('cluster-array: four Gaussian blobs in a Float32Array, clustered perfectly', () => {
    const r = run('cluster-array.ts');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^clusters of 100, 100, 100, 100 points; ACC 1\.000, NMI 1\.000 after \d+ DEC iterations\n$/);
  });

  it('custom-op: a WGSL kernel of its own on the tape; its gradient matches finite differences', () => {
    const r = run('custom-op.ts');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('silu: gradient matches finite differences at all 15 elements of x (h = 0.01)\n');
  });

  it('custom-op --wrong: a broken backward fails the finite-difference check (exit 1)', () => {
    const r = run('custom-op.ts', ['--wrong']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^silu: gradient does NOT match finite differences: dL\/dx\[\d+\] is -?[\d.]+ on the tape, -?[\d.]+ by differences\n$/);
  });

  it('save-and-predict: the saved model reproduces training, assigns new points; the run folder gets its report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dec-example-'));
    try {
      const r = run('save-and-predict.ts', [dir]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('predict on the training data reproduces it: true');
      expect(r.stdout).toMatch(/new points: ACC 1\.000; embedding 60 × 3/);
      for (const f of ['config.json', 'metrics.json', 'assignments.csv', 'model.safetensors', 'history.json', 'report.html']) expect(existsSync(join(dir, 'run', f)), f).toBe(true);
      expect(existsSync(join(dir, 'blobs.safetensors'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
