import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/webgpu-dec.js', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });

/** stderr without Dawn's own start-up warnings. */
const errLines = (s: string) => s.split('\n').filter((l) => l && !l.startsWith('Warning: '));

describe('the command line', () => {
  it('info prints the adapter and its limits, and the process exits by itself', () => {
    const r = cli(['info']);
    expect(r.error, 'the process must exit by itself (no timeout)').toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/vendor:/);
    expect(r.stdout).toMatch(/maxStorageBufferBindingSize\s+\d+/);
    expect(r.stdout).toMatch(/features:/);
  });
  it('an adapter that is not there: one line naming the fix, non-zero exit', () => {
    const r = cli(['info'], { WEBGPU_DEC_ADAPTER: 'no-such-adapter-xyz' });
    expect(r.status).not.toBe(0);
    const lines = errLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no WebGPU adapter found matching "no-such-adapter-xyz".*install-software-gpu\.sh/);
  });
  it('an unknown command is one line and exit 1', () => {
    const r = cli(['frobnicate']);
    expect(r.status).toBe(1);
    expect(errLines(r.stderr)).toEqual(['webgpu-dec: unknown command "frobnicate"; run "webgpu-dec help" for the list']);
  });
  it.each([
    [['train', '--preset', 'fast'], /^webgpu-dec: --preset must be one of quick, paper, endtoend; got "fast"$/],
    [['train', '--k', '0'], /^webgpu-dec: --k must be at least 1; got 0$/],
    [['train', '--seed', 'x'], /^webgpu-dec: --seed must be an integer; got "x"$/],
    [['train', '--data', '/nonexistent/points.npy'], /^webgpu-dec: \/nonexistent\/points.npy: no such file; pass --data mnist or a path/],
  ])('bad input %j: one line, exit 1, nothing written', (args, message) => {
    const out = join(mkdtempSync(join(tmpdir(), 'dec-')), 'out');
    const r = cli([...args, '--out', out]);
    expect(r.status).toBe(1);
    expect(errLines(r.stderr)).toHaveLength(1);
    expect(errLines(r.stderr)[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
  it('a CSV with a bad cell names the line and the column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dec-'));
    writeFileSync(join(dir, 'x.csv'), 'a,b\n1,2\n3,oops\n');
    const r = cli(['train', '--data', join(dir, 'x.csv'), '--k', '2', '--out', join(dir, 'out')]);
    expect(r.status).toBe(1);
    expect(errLines(r.stderr)).toEqual([`webgpu-dec: ${join(dir, 'x.csv')}: line 3, column 2: "oops" is not a finite number`]);
  });
  it('train writes metrics.json, assignments.csv and model.json (a tiny run on 200 digits)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dec-')), 'out');
    const r = cli(['train', '--n', '200', '--dims', '16,16,32,10', '--epochs', '2', '--max-iter', '10', '--update-interval', '5',
      '--tol', '0', '--kmeans-restarts', '2', '--raw-kmeans-restarts', '1', '--seed', '4', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['assignments.csv', 'metrics.json', 'model.json']); // no temporary files left
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    for (const k of ['dec', 'ae_kmeans', 'raw_kmeans']) expect(Object.keys(m[k]).sort()).toEqual(['acc', 'ari', 'nmi']);
    expect(Object.keys(m.seconds)).toEqual(expect.arrayContaining(['pretrain', 'kmeans', 'dec', 'total']));
    expect(m).toMatchObject({ dec_iterations: 10, stopped_by: 'max_iter', seed: 4, preset: 'quick' });
    expect(typeof m.adapter).toBe('string');
    const rows = readFileSync(join(out, 'assignments.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('index,cluster,confidence,label');
    expect(rows).toHaveLength(201);
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(model).toMatchObject({ format: 'webgpu-dec/1', dims: [784, 16, 16, 32, 10], k: 10 });
    expect(r.stderr).toMatch(/\[pretrain\].*epoch 2.*loss/);
    expect(r.stderr).toMatch(/\[dec\].*changed/);
  });
});
