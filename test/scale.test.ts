// The paper's input normalisation: one factor so that the mean of (1/d)·‖x_i‖² reaches the target,
// chosen on the training data, stored with the model, and applied as is by predict.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scalingOf } from '../src/run/config.js';
import { readModel } from '../src/model/model-file.js';
import { prepareData } from '../src/data/prepare.js';
import { inMemory } from '../src/data/dataset.js';
import { meanSquaredNorm } from '../src/data/preprocess.js';
import { gaussian, makeRng } from '../src/random/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'dec-scale-'));
const mnist = { data: 'mnist', labels: null, subset: null };

/** 240 points in 6-D: 3 blobs, in units far from 1 (so the factor is far from 1 too). */
function otherData(): string {
  const rng = makeRng('other');
  const noise = gaussian(240 * 6, 3, rng);
  const rows = Array.from({ length: 240 }, (_, i) => Array.from({ length: 6 }, (_, t) => (40 * ((Math.floor(i / 80) + t) % 3) + noise[i * 6 + t]).toFixed(3)).join(','));
  const file = join(dir, 'other.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

describe("--scale paper: the paper's normalisation", () => {
  it.each([
    ['the paper text (target 1)', { scale: 'paper' as const }, 1, 2.98],
    ['the paper preset (target 2.9, the original code)', { preset: 'paper' as const }, 2.9, 5.08],
  ])('bundled digits, %s: mean (1/d)·‖x‖² within 1 per cent of the target', async (_, o, target, factor) => {
    const p = await prepareData(mnist, 0, scalingOf(o), true);
    expect(Math.abs(meanSquaredNorm(p.ds.x!, p.ds.d) / target - 1)).toBeLessThan(0.01);
    expect(p.preprocess).toMatchObject({ rule: 'unit', scale: 'paper', target });
    expect(p.preprocess.factor).toBeCloseTo(factor, 2); // the 2.98 × and 5.1 × of the [0, 1] pixels
    // Applying the stored preprocessing (--resume, predict) gives the very same values.
    expect((await prepareData(mnist, 0, p.preprocess)).sha256).toBe(p.sha256);
  });

  it('a CSV of other data reaches the target within 1 %', async () => {
    const p = await prepareData({ data: otherData(), labels: null, subset: null }, 0, scalingOf({ scale: 'paper', scaleTarget: 1 }), true);
    expect(Math.abs(meanSquaredNorm((await inMemory(p.ds)).x!, p.ds.d) - 1)).toBeLessThan(0.01);
    expect(p.preprocess.factor).toBeLessThan(0.1);
  });

  it('the other presets keep unit; --input-scale sets the factor; conflicting flags are refused', () => {
    expect(scalingOf({})).toEqual({ rule: 'unit', factor: 1, scale: 'unit' });
    expect(scalingOf({ preset: 'endtoend' })).toEqual({ rule: 'unit', factor: 1, scale: 'unit' });
    expect(scalingOf({ inputScale: 5.1 })).toEqual({ rule: 'unit', factor: 5.1, scale: 'unit' });
    expect(scalingOf({ scale: 'none', inputScale: 2 })).toEqual({ rule: 'none', factor: 2, scale: 'none' });
    expect(() => scalingOf({ scale: 'paper', inputScale: 2 })).toThrow(/^inputScale sets the factor itself/);
    expect(() => scalingOf({ scale: 'unit', scaleTarget: 2 })).toThrow(/^scaleTarget applies to scale paper$/);
  });

  it('train stores the factor with the model; predict applies it and reproduces the training clusters', () => {
    const data = otherData();
    const out = join(dir, 'run');
    const cli = (args: string[]) => spawnSync(process.execPath, ['bin/webgpu-dec.js', ...args], { encoding: 'utf8', timeout: 120_000 });
    const r = cli(['train', '--data', data, '--scale', 'paper', '--k', '3', '--dims', '8,8,16,3', '--pretrain-steps', '30', '--max-iter', '20',
      '--update-interval', '5', '--kmeans-restarts', '2', '--raw-kmeans-restarts', '0', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    const model = readModel(join(out, 'model.safetensors'));
    expect(model.meta.preprocess).toEqual(config.preprocess);
    expect(config.preprocess).toMatchObject({ scale: 'paper', target: 1 });
    expect(config.preprocess.factor).toBeLessThan(0.1);
    const p = cli(['predict', '--model', join(out, 'model.safetensors'), '--data', data, '--out', join(dir, 'pred.csv')]);
    expect(p.status, p.stderr).toBe(0);
    const rows = (f: string) => readFileSync(f, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join(','));
    expect(rows(join(dir, 'pred.csv'))).toEqual(rows(join(out, 'assignments.csv')));
  });
  it('the divisor is decided on the training data and then applied as stored, whatever a later file looks like', async () => {
    const file = join(dir, 'later.csv');
    writeFileSync(file, '0,300\n12,255\n'); // not 8-bit pixels (300), yet a pixel model divides it by 255
    const asPixels = await prepareData({ data: file, labels: null, subset: null }, 0, { rule: 'unit', factor: 2, divisor: 255 });
    expect(Array.from((await inMemory(asPixels.ds)).x!).sort((a, b) => a - b)).toEqual([0, 12, 255, 300].map((v) => Math.fround(Math.fround(v / 255) * 2)));
    const fresh = await prepareData({ data: file, labels: null, subset: null }, 0, { rule: 'unit', factor: 1 });
    expect(fresh.preprocess.divisor).toBe(1); // decided on this file: not pixels
    const bundled = await prepareData(mnist, 0, { rule: 'unit', factor: 1 });
    expect(bundled.preprocess.divisor).toBe(255); // the bundled digits are pixels / 255 already
  });
});
