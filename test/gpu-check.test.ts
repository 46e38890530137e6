// `npm run gpu-check -- --quick`: every part of the GPU check at small sizes, on whatever adapter
// is here (lavapipe in CI). A smoke test of the command and of what it writes, not of its figures.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRODUCT_CLASSES } from '../src/tensor/ops/matmul-classes.js';

describe('npm run gpu-check -- --quick', () => {
  it('runs every part, one progress line each, and writes its JSON and markdown summary', () => {
    const out = mkdtempSync(join(tmpdir(), 'gpu-check-'));
    const r = spawnSync(process.execPath, ['dist/bench/gpu-check.js', '--quick', '--out', out], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const parts = r.stderr.split('\n').filter((l) => l.startsWith('gpu-check ['));
    expect(parts.map((l) => l.match(/^gpu-check \[(\d)\/6\]/)?.[1])).toEqual(['1', '2', '3', '4', '5', '6']);
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/-\d{4}-\d\d-\d\d-quick\.json$/);
    expect(files[1]).toMatch(/-\d{4}-\d\d-\d\d-quick\.md$/);

    const j = JSON.parse(readFileSync(join(out, files[0]), 'utf8'));
    expect(j).toMatchObject({ format: 'webgpu-dec-gpu-check/1', quick: true, failures: [] });
    expect(typeof j.adapter.description).toBe('string');
    expect(Object.keys(j.products.classes).sort()).toEqual([...PRODUCT_CLASSES].sort());
    for (const c of PRODUCT_CLASSES) expect(j.products.classes[c].ms).toBeDefined(); // measured afresh
    expect(j.bench.roofline.peakGflops).toBeGreaterThan(0);
    // What produced the figures: the package version and this checkout's commit.
    expect(j.bench.version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(j.bench.commit).toBe(spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim());
    expect(j.bench.roofline.bandwidthGBs).toBeGreaterThan(0);
    const cases = j.bench.cases as { name: string; impl: string; roofline?: { share: number; bound: string } }[];
    for (const name of ['matmul 256x784x500', 'ae-step', 'dec-step']) {
      const ours = cases.find((c) => c.name === name && c.impl !== 'naive');
      expect(ours?.roofline?.share, name).toBeGreaterThan(0);
    }
    expect(j.tsne.map).toMatchObject({ method: 'fft', n: 500 });
    expect(j.tsne.map.trustworthiness_5).toBeGreaterThan(0.5);
    expect(j.tsne.command).toMatch(/^node bin\/webgpu-dec\.js tsne --data mnist --method fft --n 500/);
    for (const run of ['default', 'paper']) {
      expect(j.runs[run].metrics.dec.acc, run).toBeGreaterThan(0);
      expect(j.runs[run].command).toMatch(/^node bin\/webgpu-dec\.js train /);
    }
    expect(j.runs.paper.command).toContain('--preset paper');

    const md = readFileSync(join(out, files[1]), 'utf8');
    for (const heading of ['# GPU check: ', '## Product kernels', '## Benchmarks', '## Training runs']) expect(md).toContain(heading);
    expect(md).toMatch(/Roofline, measured in this run: fp32 multiply-add peak [\d.]+ GFLOP\/s/);
    expect(md).toMatch(/\| this project: `node bin\/webgpu-dec\.js train --preset paper .*` \| [\d.]+ \| [\d.]+ \/ [\d.]+ \|/);
  });
});
