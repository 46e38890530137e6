import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../src/data/mnist.js';
import { readModel } from '../src/dec/model-file.js';

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
  it('an unknown command is one line and exit 2', () => {
    const r = cli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(errLines(r.stderr)).toEqual(['webgpu-dec: unknown command "frobnicate"; run "webgpu-dec help" for the list']);
  });
  it.each([
    [['train', '--preset', 'fast'], /^webgpu-dec: --preset must be one of quick, paper, endtoend; got "fast"$/],
    [['train', '--k', '0'], /^webgpu-dec: --k must be at least 2; got 0$/],
    [['train', '--seed', 'x'], /^webgpu-dec: --seed must be an integer; got "x"$/],
    [['train', '--data', '/nonexistent/points.npy'], /^webgpu-dec: \/nonexistent\/points.npy: no such file; pass --data mnist or a path/],
  ])('bad input %j: one line, exit 2, nothing written', (args, message) => {
    const out = join(mkdtempSync(join(tmpdir(), 'dec-')), 'out');
    const r = cli([...args, '--out', out]);
    expect(r.status).toBe(2);
    expect(errLines(r.stderr)).toHaveLength(1);
    expect(errLines(r.stderr)[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
  it('a CSV with a bad cell names the line and the column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dec-'));
    writeFileSync(join(dir, 'x.csv'), 'a,b\n1,2\n3,oops\n');
    const r = cli(['train', '--data', join(dir, 'x.csv'), '--k', '2', '--out', join(dir, 'out')]);
    expect(r.status).toBe(2);
    expect(errLines(r.stderr)).toEqual([`webgpu-dec: ${join(dir, 'x.csv')}: line 3, column 2: "oops" is not a finite number; every cell below the header must be a number`]);
  });
  it('train writes config.json, metrics.json, assignments.csv and model.safetensors (a tiny run on 200 digits)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dec-')), 'out');
    const r = cli(['train', '--n', '200', '--dims', '16,16,32,10', '--epochs', '2', '--max-iter', '10', '--update-interval', '5',
      '--tol', '0', '--kmeans-restarts', '2', '--raw-kmeans-restarts', '1', '--seed', '4', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    // No temporary files left, and the checkpoint is gone once the outputs are written.
    expect(readdirSync(out).sort()).toEqual(['assignments.csv', 'config.json', 'metrics.json', 'model.safetensors']);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    for (const k of ['dec', 'ae_kmeans', 'raw_kmeans']) expect(Object.keys(m[k]).sort()).toEqual(['acc', 'ari', 'nmi']);
    expect(Object.keys(m.seconds)).toEqual(expect.arrayContaining(['pretrain', 'kmeans', 'dec', 'total']));
    expect(m).toMatchObject({ dec_iterations: 10, stopped_by: 'max_iter', seed: 4, preset: 'quick' });
    expect(typeof m.adapter).toBe('string');
    const rows = readFileSync(join(out, 'assignments.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('index,cluster,confidence,label');
    expect(rows).toHaveLength(201);
    const model = readModel(join(out, 'model.safetensors'));
    expect(model.meta).toMatchObject({ dims: [784, 16, 16, 32, 10], k: 10, alpha: 1, seed: 4, preset: 'quick', preprocess: { rule: 'unit', factor: 1 }, image: [28, 28] });
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ seed: 4, k: 10, n: 200, dims: [784, 16, 16, 32, 10], pretrain: { recipe: 'endtoend', cfg: { steps: 2 } } });
    // index is the row of the bundled digits: all 200 distinct, sorted, labels matching that row
    const digits = loadBundledMnist();
    const idx = rows.slice(1).map((r) => r.split(',').map(Number));
    expect(idx.map((r) => r[0])).toEqual([...idx.map((r) => r[0])].sort((a, b) => a - b));
    expect(new Set(idx.map((r) => r[0])).size).toBe(200);
    for (const [i, , , label] of idx) expect(label).toBe(digits.labels![i]);
    // predict with the saved model on all 10,000 digits: the 200 training rows get training's clusters
    const pred = join(out, '..', 'pred.csv');
    const p = cli(['predict', '--model', join(out, 'model.safetensors'), '--data', 'mnist', '--out', pred]);
    expect(p.status, p.stderr).toBe(0);
    const predicted = readFileSync(pred, 'utf8').trim().split('\n').slice(1).map((r) => r.split(',').map(Number));
    expect(predicted).toHaveLength(10000);
    for (const [i, cluster, confidence] of idx) {
      expect(predicted[i][1]).toBe(cluster);
      expect(predicted[i][2]).toBeCloseTo(confidence, 3);
    }
    expect(JSON.parse(readFileSync(join(out, '..', 'pred.metrics.json'), 'utf8'))).toMatchObject({ n: 10000, k: 10 });
    expect(p.stderr).toMatch(/ACC \d\.\d+ {2}NMI/);
    // embed: an .npy of [10000, 10] float32
    const z = join(out, '..', 'z.npy');
    expect(cli(['embed', '--model', join(out, 'model.safetensors'), '--data', 'mnist', '--out', z]).status).toBe(0);
    expect(readFileSync(z).subarray(0, 128).toString('latin1')).toMatch(/^\x93NUMPY\x01\x00.{2}\{'descr': '<f4', 'fortran_order': False, 'shape': \(10000, 10\), \}/);
    expect(readFileSync(z).length).toBe(128 + 10000 * 10 * 4);
    expect(r.stderr).toMatch(/\[pretrain\].*epoch 2.*loss/);
    expect(r.stderr).toMatch(/\[dec\].*changed/);
  });
});
