// The paper's two experiments: the imbalanced subsample against the protocol (class sizes within
// binomial tolerance), the stratified split, the generalizability G against a float64 computation
// on a hand-built model, the suggested k, and both commands end to end on tiny settings, including
// the rerun that skips finished runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import { modelOnGpu, readModel } from '../src/model/model-file.js';
import { datasetLoss, generalizability, suggestK } from '../src/experiments/clusters.js';
import { classSizes, imbalancedSubset, retention, trainValidationSplit } from '../src/experiments/sampling.js';
import { ChunkedRows } from '../src/tensor/index.js';
import { handBuiltModel, randomArray, useRuntime } from './helpers.js';
import { linearAssignRef } from './reference.js';

const rt = useRuntime();
const BIN = 'bin/webgpu-dec.js';
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 240_000 });

/** 10 classes of `per` points each (x = the label, one feature), in class order like the bundled digits. */
function labelled(per: number): Dataset {
  const n = 10 * per;
  const labels = Int32Array.from({ length: n }, (_, i) => Math.floor(i / per));
  return { name: 'classes', x: Float32Array.from(labels), n, d: 1, labels };
}

describe('sampling', () => {
  it("keeps class c with r_min + (1 − r_min)·c/9 (the paper's protocol), or class 0 alone with r_min", () => {
    const p = retention([3, 0, 9, 1, 2, 4, 5, 6, 7, 8], 0.1, 'paper');
    expect(p.get(0)).toBeCloseTo(0.1, 12);
    expect(p.get(9)).toBe(1);
    expect(p.get(5)).toBeCloseTo(0.1 + 0.9 * (5 / 9), 12);
    const c0 = retention([0, 1, 2], 0.3, 'class0');
    expect([c0.get(0), c0.get(1), c0.get(2)]).toEqual([0.3, 1, 1]);
  });

  it.each([0.1, 0.5, 0.9])('class sizes of the subsample at r_min = %s are within binomial tolerance (4σ)', (rmin) => {
    const per = 3000;
    const ds = labelled(per);
    for (const mode of ['paper', 'class0'] as const) {
      const keep = retention([...Array(10).keys()], rmin, mode);
      const sub = imbalancedSubset(ds, rmin, mode, 7);
      const sizes = classSizes(sub.labels!);
      for (let c = 0; c < 10; c++) {
        const q = keep.get(c)!;
        const sigma = Math.sqrt(per * q * (1 - q));
        expect(Math.abs(sizes[String(c)] - per * q), `${mode} class ${c}`).toBeLessThanOrEqual(4 * sigma + 1e-9);
      }
      // x = label, so the rows kept are the rows of their class; index points back into the file.
      let wrong = 0;
      for (let i = 0; i < sub.n; i++) if (sub.x![i] !== sub.labels![i] || ds.labels![sub.index![i]] !== sub.labels![i]) wrong++;
      expect(wrong).toBe(0);
      // Seeded: the same seed gives the same rows, another seed others.
      expect(Array.from(imbalancedSubset(ds, rmin, mode, 7).index!)).toEqual(Array.from(sub.index!));
      expect(Array.from(imbalancedSubset(ds, rmin, mode, 8).index!)).not.toEqual(Array.from(sub.index!));
    }
  });

  it('the validation split holds out the fraction of each class, disjoint from the training part', () => {
    const ds = labelled(101);
    const { train, validation } = trainValidationSplit(ds, 0.2, 3);
    expect(validation.n).toBe(Math.round(0.2 * ds.n));
    expect(train.n + validation.n).toBe(ds.n);
    const all = new Set([...train.index!, ...validation.index!]);
    expect(all.size).toBe(ds.n);
    const sizes = classSizes(validation.labels!);
    for (let c = 0; c < 10; c++) expect(Math.abs(sizes[String(c)] - 20.2)).toBeLessThanOrEqual(1);
  });
});

describe('generalizability', () => {
  // A one-layer linear encoder d = 4 → d_z = 2 and k = 3 centres: q, f, p and the KL loss in float64.
  const [d, dz, k] = [4, 2, 3];
  const w = randomArray(d * dz, 'g-w');
  const b = randomArray(dz, 'g-b');
  const mu = randomArray(k * dz, 'g-mu', -1.5, 1.5);
  const bytes = handBuiltModel(
    [['encoder.0.weight', [d, dz], w], ['encoder.0.bias', [dz], b], ['decoder.0.weight', [dz, d], new Float32Array(dz * d)], ['decoder.0.bias', [d], new Float32Array(d)], ['centers', [k, dz], mu]],
    { format: 'webgpu-dec/2', dims: `[${d},${dz}]`, k: String(k), alpha: '1', preprocess: '{"rule":"none","factor":1}', image: 'null', preset: 'test', seed: '0', adapter: 'hand', version: '0' },
  );

  /** Mean over the rows of Σ_j p_ij ln(p_ij / q_ij), p from these rows' own q and f. */
  const lossRef = (x: Float32Array, n: number) => linearAssignRef({ x, n, d, w, b, mu, k, alpha: 1 }).kl;

  it('L_train, L_val (each with its own P) and G = L_train / L_val agree with float64', async () => {
    const model = modelOnGpu(rt(), readModel('hand.safetensors', bytes));
    const m = { ae: model.ae, mu: model.mu.buffer, k, alpha: 1 };
    // A validation set drawn wider than the training set: its points sit farther from the centres.
    const [nt, nv] = [157, 41];
    const xt = randomArray(nt * d, 'g-train', -1, 1);
    const xv = randomArray(nv * d, 'g-val', -3, 3);
    const up = (x: Float32Array, n: number) => ChunkedRows.upload(rt(), { rows: n, rowsPerChunk: 1024, blockRows: 1024 }, d, x);
    const [ct, cv] = [up(xt, nt), up(xv, nv)];
    const lt = (await datasetLoss(rt(), m, ct)).loss;
    const lv = (await datasetLoss(rt(), m, cv)).loss;
    expect(lt).toBeCloseTo(lossRef(xt, nt), 6);
    expect(lv).toBeCloseTo(lossRef(xv, nv), 6);
    expect(Math.abs(generalizability(lt, lv) - lossRef(xt, nt) / lossRef(xv, nv))).toBeLessThan(1e-4);
    [ct, cv, model.ae, model.mu].forEach((t) => t.dispose());
  });

  it('suggests the k after which G drops most sharply (the paper: 9 on MNIST)', () => {
    const g = { 5: 0.95, 6: 0.94, 7: 0.95, 8: 0.94, 9: 0.93, 10: 0.8, 11: 0.79, 12: 0.77 } as Record<number, number>;
    const pick = suggestK(Object.entries(g).map(([k, v]) => ({ k: Number(k), g: v })));
    expect(pick!.k).toBe(9);
    expect(pick!.reason).toBe('G drops most sharply from k = 9 to k = 10 (0.930 → 0.800, by 0.130)');
    expect(suggestK([{ k: 4, g: 1 }])).toBeNull();
  });
});

describe('experiment commands (tiny settings)', () => {
  const tiny = ['--dims', '16,16,32,10', '--pretrain-steps', '20', '--max-iter', '20', '--update-interval', '10', '--kmeans-restarts', '1'];
  const root = mkdtempSync(join(tmpdir(), 'dec-exp-'));

  it('imbalance: a table per r_min and method, class sizes, the page; a rerun skips the finished runs', () => {
    const out = join(root, 'imb');
    const args = ['experiment', 'imbalance', '--n', '400', ...tiny, '--raw-kmeans-restarts', '1', '--rmin', '0.2,0.8', '--seeds', '0,1', '--out', out];
    const r = cli(args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/run 1 of 4 \(r_min 0\.2, seed 0\)/);
    expect(r.stderr).toMatch(/run 4 of 4 \(r_min 0\.8, seed 1\): about \d+s left for the last run/);
    const j = JSON.parse(readFileSync(join(out, 'imbalance.json'), 'utf8'));
    expect(j.runs).toHaveLength(4);
    for (const run of j.runs) {
      for (const m of ['raw_kmeans', 'ae_kmeans', 'dec']) expect(run[m].acc).toBeGreaterThan(0);
      expect(Object.values(run.class_sizes as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(run.n);
    }
    // Fewer 0s than 9s at r_min 0.2 (expected 8 against 40 of a 400-point stratified start).
    const low = j.runs.find((x: { rmin: number }) => x.rmin === 0.2);
    expect(low.class_sizes['0']).toBeLessThan(low.class_sizes['9']);
    const md = readFileSync(join(out, 'imbalance.md'), 'utf8');
    expect(md).toMatch(/\| ACC \| r_min 0\.2 \| r_min 0\.8 \|/);
    expect(md).toMatch(/\| DEC \| \d\.\d{3} ± \d\.\d{3} \| \d\.\d{3} ± \d\.\d{3} \|/);
    const html = readFileSync(join(out, 'imbalance.html'), 'utf8');
    expect(html).toMatch(/<figure data-chart="imbalance-acc" data-marks="6">/);

    // Lose one finished run (as a kill before its file was written would): the rerun does only it.
    rmSync(join(out, 'runs', 'rmin-0.8-seed-1.json'));
    const again = cli(args);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr.match(/done before/g)).toHaveLength(3);
    expect(again.stderr).toMatch(/run 4 of 4 \(r_min 0\.8, seed 1\)\n/);
    // The same scores as the first time (only the run's time differs).
    const untimed = (runs: { seconds?: number }[]) => runs.map(({ seconds: _, ...rest }) => rest);
    expect(untimed(JSON.parse(readFileSync(join(out, 'imbalance.json'), 'utf8')).runs)).toEqual(untimed(j.runs));
    // Other settings in the same folder are refused.
    const other = cli([...args.slice(0, -2), '--rmin', '0.3', '--out', out]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/holds an experiment with other settings/);
  });

  it('clusters: one pretraining, L_train, L_val, G and NMI per k, the suggestion; a rerun skips everything', () => {
    const out = join(root, 'clu');
    const args = ['experiment', 'clusters', '--n', '500', ...tiny, '--k', '3..5', '--out', out];
    const r = cli(args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/pretraining on the training part \(400 points; 100 held out\)/);
    expect(r.stderr).toMatch(/suggested k = \d+: G drops most sharply from k = \d+ to k = \d+/);
    const j = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8'));
    expect(j.runs.map((x: { k: number }) => x.k)).toEqual([3, 4, 5]);
    for (const run of j.runs) {
      expect(run.l_train).toBeGreaterThan(0);
      expect(run.l_val).toBeGreaterThan(0);
      expect(run.g).toBeCloseTo(run.l_train / run.l_val, 12);
      expect(run.nmi).toBeGreaterThan(0);
    }
    expect(j.suggested.k).toBe(suggestK(j.runs)!.k);
    expect(existsSync(join(out, 'pretrained.safetensors'))).toBe(true);
    expect(readFileSync(join(out, 'clusters.md'), 'utf8')).toMatch(/Suggested k = \d+: G drops most sharply/);
    expect(readFileSync(join(out, 'clusters.html'), 'utf8')).toMatch(/<figure data-chart="clusters-g" data-marks="3">/);
    const again = cli(args);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/pretraining: done before/);
    expect(again.stderr.match(/done before, read from/g)).toHaveLength(4);
  });

  it('bad input: one line, exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['experiment'], /^webgpu-dec: experiment takes imbalance or clusters; got nothing/],
      [['experiment', 'imbalance', '--rmin', '0,0.5'], /^webgpu-dec: --rmin values must be in \(0, 1\]/],
      [['experiment', 'clusters', '--k', '3..x'], /^webgpu-dec: --k must be integers separated by commas or a range like 3\.\.20; got "3\.\.x"/],
      [['experiment', 'clusters', '--val-fraction', '1.5'], /^webgpu-dec: --val-fraction must be in \(0, 1\); got 1\.5/],
    ];
    for (const [args, message] of cases) {
      const r = cli(args.length > 1 ? [...args, '--out', join(root, 'bad')] : args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('Warning: '))[0]).toMatch(message);
      expect(existsSync(join(root, 'bad'))).toBe(false);
    }
  });
});
