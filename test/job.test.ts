// One job behind both doors: the same small run through `webgpu-dec train` (a CSV file) and the
// library's cluster() (the same numbers as an array) leaves the same model and assignments, byte
// for byte; and each door's folder holds the same files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cluster } from '../src/index.js';
import { RUN_FILES } from '../src/run/job.js';
import { randomArray } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'webgpu-dec-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Three blobs in 6 dimensions, 120 points; values written with the digits float32 needs to round-trip.
const n = 120;
const d = 6;
const x = randomArray(n * d, 'job-doors', -0.3, 0.3);
const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
for (let i = 0; i < n; i++) x[i * d + labels[i]] += 2;

const settings = { k: 3, seed: 4, dims: [16, 16, 3], pretrainSteps: 60, maxIter: 80, updateInterval: 20, kmeansRestarts: 2, rawKmeansRestarts: 1, scale: 'none' as const, tsnePoints: 0 };
const flags = ['--k', '3', '--seed', '4', '--dims', '16,16,3', '--pretrain-steps', '60', '--max-iter', '80', '--update-interval', '20', '--kmeans-restarts', '2', '--raw-kmeans-restarts', '1', '--scale', 'none', '--tsne-points', '0'];

describe('one job behind the command line and the library', () => {
  it('leaves the same model.safetensors and assignments.csv, byte for byte', async () => {
    const csv = Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d), (v) => v.toPrecision(9)).join(',')).join('\n') + '\n';
    writeFileSync(join(dir, 'x.csv'), csv);
    writeFileSync(join(dir, 'y.csv'), Array.from(labels).join('\n') + '\n');
    const viaCli = join(dir, 'cli');
    const r = spawnSync(process.execPath, ['bin/webgpu-dec.js', 'train', '--data', join(dir, 'x.csv'), '--labels', join(dir, 'y.csv'), '--out', viaCli, ...flags], { encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const viaApi = join(dir, 'api');
    // The array parsed back from the CSV's text: the very float32 values the command line read.
    const parsed = Float32Array.from(csv.trim().split(/[\n,]/).map(Number));
    const result = await cluster(parsed, { d, labels, out: viaApi, ...settings });
    for (const file of ['model.safetensors', 'assignments.csv']) {
      expect(readFileSync(join(viaApi, file)).equals(readFileSync(join(viaCli, file))), file).toBe(true);
    }
    expect(Buffer.from(result.model.bytes).equals(readFileSync(join(viaCli, 'model.safetensors')))).toBe(true);
    const present = (out: string) => RUN_FILES.filter((f) => existsSync(join(out, f)));
    expect(present(viaApi)).toEqual(present(viaCli));
    expect(present(viaCli)).toEqual(['config.json', 'metrics.json', 'assignments.csv', 'model.safetensors', 'history.json', 'report.html']);
    // Both configs record the product kernels the run used.
    for (const out of [viaCli, viaApi]) expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).products).toBeTruthy();
  });
});
