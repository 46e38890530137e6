import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../src/data/mnist.js';
import { readModel } from '../src/model/model-file.js';
import { chromium, noChromium, openInChromium } from './browser.js';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/webgpu-dec.js', ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });

/** stderr without Dawn's own start-up warnings. */
const errLines = (s: string) => s.split('\n').filter((l) => l && !l.startsWith('Warning: '));

/** The run folder of the tiny training run, which the later tests read. */
let tinyRun = '';

describe('the command line', () => {
  it('info prints the adapter and its limits, and the process exits by itself', () => {
    const r = cli(['info']);
    expect(r.error, 'the process must exit by itself (no timeout)').toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/vendor:/);
    expect(r.stdout).toMatch(/maxStorageBufferBindingSize\s+\d+/);
    expect(r.stdout).toMatch(/features:/);
  });
  it('an adapter name that no adapter has: one line naming the adapters there are, exit 2', () => {
    const r = cli(['info'], { WEBGPU_DEC_ADAPTER: 'no-such-adapter-xyz' });
    expect(r.status).toBe(2);
    const lines = errLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^webgpu-dec: WEBGPU_DEC_ADAPTER=no-such-adapter-xyz: no adapter's name contains "no-such-adapter-xyz" \(case matters\); the adapters are 0 \S.*\(webgpu-dec info --adapters\)$/);
  });
  it('no adapter at all (no Vulkan driver named): one line naming the fix, exit 1', () => {
    for (const args of [['info'], ['info', '--adapters'], ['info', '--adapter', '0']]) {
      const r = cli(args, { VK_ICD_FILENAMES: '/nonexistent/icd.json' });
      expect(r.status, args.join(' ')).toBe(1);
      // Our one line; the rest is the Vulkan loader's and Dawn's own warnings about the missing driver.
      const lines = errLines(r.stderr).filter((l) => l.startsWith('webgpu-dec'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/no WebGPU adapter found.*install-software-gpu\.sh/);
    }
  });
  it('an unknown command is one line and exit 2', () => {
    const r = cli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(errLines(r.stderr)).toEqual(['webgpu-dec: unknown command "frobnicate"; run "webgpu-dec help" for the list']);
  });
  it.each([
    [['train', '--preset', 'fast'], /^webgpu-dec: --preset must be one of quick, paper, endtoend, dec-da; got "fast"$/],
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
  it('train writes config.json, metrics.json, assignments.csv, model.safetensors, history.json, the t-SNE maps and report.html (a tiny run on 200 digits)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dec-')), 'out');
    tinyRun = out;
    const r = cli(['train', '--n', '200', '--dims', '16,16,32,10', '--epochs', '2', '--max-iter', '10', '--update-interval', '5',
      '--tol', '0', '--kmeans-restarts', '2', '--raw-kmeans-restarts', '1', '--seed', '4', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    // No temporary files left, and the checkpoint is gone once the outputs are written.
    expect(readdirSync(out).sort()).toEqual(['assignments.csv', 'config.json', 'history.json', 'metrics.json', 'model.safetensors', 'report.html', 'tsne.csv', 'tsne.json']);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    for (const k of ['dec', 'ae_kmeans', 'raw_kmeans']) expect(Object.keys(m[k]).sort()).toEqual(['acc', 'ari', 'nmi']);
    expect(Object.keys(m.seconds)).toEqual(expect.arrayContaining(['pretrain', 'kmeans', 'dec', 'total']));
    expect(m).toMatchObject({ dec_iterations: 10, stopped_by: 'max_iter', seed: 4, preset: 'quick' });
    // What produced the figures: the package version, and the commit of this checkout.
    expect(m.version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(m.commit).toBe(spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim());
    expect(typeof m.adapter).toBe('string');
    const rows = readFileSync(join(out, 'assignments.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('index,cluster,confidence,label');
    expect(rows).toHaveLength(201);
    const model = readModel(join(out, 'model.safetensors'));
    expect(model.meta).toMatchObject({ dims: [784, 16, 16, 32, 10], k: 10, alpha: 1, seed: 4, preset: 'quick', preprocess: { rule: 'unit', factor: 1 }, image: [28, 28] });
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ seed: 4, k: 10, n: 200, dims: [784, 16, 16, 32, 10], pretrain: { recipe: 'endtoend', cfg: { steps: 8, batch: 64 } } }); // 2 epochs of ⌈200 / 64⌉ steps
    // The product kernels it ran with, per class, for --resume to use again.
    expect(Object.keys(config.products.classes).sort()).toEqual(['deep', 'grad-input', 'grad-weight', 'narrow', 'shallow', 'wide']);
    expect(r.stderr).toMatch(/product kernels: wide (blocked|subgroup|tiled).* \((measured now|from the cache)/);
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
    // the bundled digits in a slice (--rows): those rows of the whole prediction, byte for byte, index = the digit's row
    const part = join(out, '..', 'pred-rows.csv');
    const q = cli(['predict', '--model', join(out, 'model.safetensors'), '--data', 'mnist', '--rows', '9990:10000', '--out', part]);
    expect(q.status, q.stderr).toBe(0);
    expect(readFileSync(part, 'utf8').split('\n').slice(1).join('\n')).toBe(readFileSync(pred, 'utf8').split('\n').slice(9991).join('\n'));
    // embed: an .npy of [10000, 10] float32
    const z = join(out, '..', 'z.npy');
    expect(cli(['embed', '--model', join(out, 'model.safetensors'), '--data', 'mnist', '--out', z]).status).toBe(0);
    expect(readFileSync(z).subarray(0, 128).toString('latin1')).toMatch(/^\x93NUMPY\x01\x00.{2}\{'descr': '<f4', 'fortran_order': False, 'shape': \(10000, 10\), \}/);
    expect(readFileSync(z).length).toBe(128 + 10000 * 10 * 4);
    expect(r.stderr).toMatch(/\[pretrain\].*epoch 2.*loss/);
    expect(r.stderr).toMatch(/\[dec\].*changed/);

    // history.json: a target update at iterations 0 and 5, with ACC/NMI (the digits have labels)
    const h = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(h.format).toBe('webgpu-dec-history/1');
    expect(h.pretrain.length).toBeGreaterThan(0);
    expect(h.dec.map((e: { iteration: number }) => e.iteration)).toEqual([0, 5]);
    expect(h.dec[0].changed).toBeNull();
    for (const e of h.dec) {
      expect(e.loss).toBeGreaterThan(0);
      expect(e.acc).toBeGreaterThan(0);
      expect(e.nmi).toBeGreaterThanOrEqual(0);
    }
    // tsne.csv: all 200 points (fewer than the 2,000 default) after pretraining and after DEC.
    const t = readFileSync(join(out, 'tsne.csv'), 'utf8').trim().split('\n');
    expect(t[0]).toBe('index,stage,x,y,cluster,label');
    expect(t).toHaveLength(1 + 2 * 200);
    expect(new Set(t.slice(1).map((l) => l.split(',')[1]))).toEqual(new Set(['pretrain', 'dec']));
    const dec = t.slice(1).filter((l) => l.split(',')[1] === 'dec').map((l) => l.split(','));
    const clusterOf = new Map(idx.map(([i, c]) => [i, c]));
    for (const [i, , , , c] of dec) expect(Number(c)).toBe(clusterOf.get(Number(i)));
    const ti = JSON.parse(readFileSync(join(out, 'tsne.json'), 'utf8'));
    expect(ti).toMatchObject({ n: 200, iterations: 1000 });
    for (const s of ['pretrain', 'dec']) expect(ti.stages[s].trustworthiness).toBeGreaterThan(0.8);
    expect(r.stdout).toMatch(/report\.html/);
  });

  it.skipIf(!chromium)(`the tiny run's report.html in Chromium: every chart's marks drawn, every picture decoded, not blank${noChromium}`, async () => {
    const seen = await openInChromium(join(tinyRun, 'report.html'));
    const names = seen.figures.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['pretrain-loss', 'dec-loss', 'dec-changed', 'dec-scores', 'confusion', 'tsne-pretrain-cluster', 'tsne-pretrain-label', 'tsne-dec-cluster', 'tsne-dec-label']));
    for (const f of seen.figures) {
      expect(f.svgs, f.name).toBe(1);
      expect(f.drawn, f.name).toBe(f.declared);
      expect(f.declared, f.name).toBeGreaterThan(0);
    }
    expect(seen.figures.find((f) => f.name === 'tsne-dec-label')!.drawn).toBe(200);
    expect(seen.figures.find((f) => f.name === 'confusion')!.drawn).toBe(100);
    // Two strips per non-empty cluster (most and least confident), 28 × 28 digits scaled ×2.
    expect(seen.images.length).toBeGreaterThanOrEqual(2);
    for (const im of seen.images) expect(im.h).toBe(56);
    expect(seen.inked).toBeGreaterThan(0.02);
    expect(seen.colours).toBeGreaterThan(200);
    expect(seen.problems).toEqual([]);
  });

  it('report RUN_DIR rebuilds report.html; a folder that is not a run is exit 2 with one line', () => {
    const before = readFileSync(join(tinyRun, 'report.html'), 'utf8');
    rmSync(join(tinyRun, 'report.html'));
    const r = cli(['report', tinyRun]);
    expect(r.status, r.stderr).toBe(0);
    const after = readFileSync(join(tinyRun, 'report.html'), 'utf8');
    // The same page but for the build time in its header.
    const noDate = (s: string) => s.replace(/\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC/g, '');
    expect(noDate(after)).toBe(noDate(before));
    const empty = mkdtempSync(join(tmpdir(), 'dec-'));
    const bad = cli(['report', empty]);
    expect(bad.status).toBe(2);
    expect(errLines(bad.stderr)).toEqual([`webgpu-dec: ${empty}: no metrics.json; is this a webgpu-dec run directory (train --out)?`]);
  });

  it('tsne maps the data or, with --model, its embedding: tsne.csv, tsne.json, tsne.svg', () => {
    const dir = join(tinyRun, '..', 'maps');
    const r = cli(['tsne', '--data', 'mnist', '--n', '60', '--perplexity', '10', '--iterations', '120', '--model', join(tinyRun, 'model.safetensors'), '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['tsne.csv', 'tsne.json', 'tsne.svg']);
    const rows = readFileSync(join(dir, 'tsne.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('index,x,y,cluster,label');
    expect(rows).toHaveLength(61);
    const info = JSON.parse(readFileSync(join(dir, 'tsne.json'), 'utf8'));
    expect(info).toMatchObject({ n: 60, rows: 10000, d: 10, perplexity: 10, iterations: 120, init: 'pca' });
    expect(info.trustworthiness_5).toBeGreaterThan(0.5);
    expect(readFileSync(join(dir, 'tsne.svg'), 'utf8')).toMatch(/^<svg/);
    expect(r.stderr).toMatch(/\[t-SNE\] iter 100\/120 {2}KL/);
    const raw = cli(['tsne', '--data', 'mnist', '--n', '40', '--perplexity', '5', '--iterations', '60', '--out', join(dir, 'raw')]);
    expect(raw.status, raw.stderr).toBe(0);
    expect(readFileSync(join(dir, 'raw', 'tsne.csv'), 'utf8').split('\n')[0]).toBe('index,x,y,label');
    const bad = cli(['tsne', '--data', 'mnist', '--n', '40', '--perplexity', '50', '--out', join(dir, 'bad')]);
    expect(bad.status).toBe(2);
    expect(errLines(bad.stderr)).toEqual(['webgpu-dec: --perplexity must be in (0, n − 1) = (0, 39); got 50']);
  });
});
