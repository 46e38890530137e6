// predict / embed on a slice of the input file (--rows A:B, --shard i/n, --shard auto/n): the shards'
// data rows, joined in order under one header, are the unsharded output byte for byte, on NPY, IDX
// and CSV input; each shard reads its rows alone (the rows of the others may hold what would be
// refused); bad slices get one line and exit 2, nothing written.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { npyBytes } from '../src/data/formats/npy.js';
import { openRows } from '../src/data/formats/open.js';
import { scanFile } from '../src/data/load.js';
import { selectRows, shardRows } from '../src/data/slice.js';
import { defaultPreprocess } from '../src/data/preprocess.js';
import { encodeSafetensors } from '../src/io/safetensors.js';
import { rowSelectionOf } from '../src/run/apply.js';

const dir = mkdtempSync(join(tmpdir(), 'dec-shards-'));
const N = 23; // 3 shards of 7, 8, 8 rows
const D = 3;

// Small blocks, so that a pass over a shard spans several of them (and shards start mid-block).
const blockEnv = { WEBGPU_DEC_BLOCK_BYTES: String(2 * 4 * D) };
/** The environment without a scheduler's task number, plus `extra`. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...blockEnv, ...extra };
  for (const v of ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX']) if (!(v in extra)) delete env[v];
  return env;
}
const cli = (args: string[], extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/webgpu-dec.js', ...args], { encoding: 'utf8', timeout: 60_000, env: envWith(extra) });

/** A model of 3 inputs, 2 embedding dimensions and 3 clusters, with varied weights (so the rows get different clusters). */
function model(): string {
  const t = (shape: number[], seed: number) => ({ dtype: 'F32' as const, shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed + 1.7 * i)) });
  const tensors = { 'encoder.0.weight': t([2, 3], 1), 'encoder.0.bias': t([2], 2), 'decoder.0.weight': t([3, 2], 3), 'decoder.0.bias': t([3], 4), centers: t([3, 2], 5) };
  const meta = { format: 'webgpu-dec/2', dims: '[3,2]', d: '3', k: '3', alpha: '1', preprocess: '{"rule":"unit","factor":1,"divisor":1}', image: 'null', preset: 'quick', seed: '0', adapter: 'test', version: '0' };
  const file = join(dir, 'model.safetensors');
  writeFileSync(file, encodeSafetensors(tensors, meta));
  return file;
}
const modelFile = model();

/** 8-bit values (so the IDX is MNIST's type, packed on the GPU), the same in every format. */
const values = Float32Array.from({ length: N * D }, (_, i) => (i * 37 + 11) % 256);
const labels = Array.from({ length: N }, (_, i) => (i * 7) % 3);
function idx(): Buffer {
  const head = Buffer.alloc(12);
  head[2] = 0x08;
  head[3] = 2;
  head.writeUInt32BE(N, 4);
  head.writeUInt32BE(D, 8);
  return Buffer.concat([head, Buffer.from(Uint8Array.from(values))]);
}
function csv(): string {
  const lines = ['a,b,c'];
  for (let r = 0; r < N; r++) {
    lines.push(Array.from(values.subarray(r * D, (r + 1) * D)).join(','));
    if (r === 9) lines.push(''); // a blank line inside the second shard: skipped, not a row
  }
  return lines.join('\r\n') + '\r\n';
}
const inputs: [string, Buffer | string][] = [
  ['x.npy', Buffer.from(npyBytes(values, [N, D]))],
  ['x-idx2-ubyte', idx()],
  ['x.csv', csv()],
];
for (const [name, bytes] of inputs) writeFileSync(join(dir, name), bytes);
const labelsFile = join(dir, 'labels.csv');
writeFileSync(labelsFile, ['label', ...labels].join('\n') + '\n');

/** The header and the data rows of a CSV. */
const csvParts = (file: string) => {
  const [head, ...rows] = readFileSync(file, 'utf8').split('\n');
  return { head, body: rows.join('\n') };
};
/** The float32 data of an .npy written by embed (after its 64-byte-aligned header), and its shape. */
function npyData(file: string): { shape: string; data: Buffer } {
  const b = readFileSync(file);
  const start = 10 + b.readUInt16LE(8);
  return { shape: /'shape': \(([^)]*)\)/.exec(b.toString('latin1', 10, start))![1], data: b.subarray(start) };
}

function run(args: string[], extra: Record<string, string> = {}) {
  const r = cli(args, extra);
  expect(r.status, r.stderr).toBe(0);
  return r;
}

describe('predict and embed in shards', () => {
  it.each(inputs.map(([name]) => name))('%s: 3 shards joined = the unsharded output, byte for byte (predict with labels, and embed)', (name) => {
    const data = join(dir, name);
    const base = ['--model', modelFile, '--data', data];
    const sub = mkdtempSync(join(dir, 'out-'));
    run(['predict', ...base, '--labels', labelsFile, '--out', join(sub, 'all.csv')]);
    run(['embed', ...base, '--out', join(sub, 'all.npy')]);
    const whole = csvParts(join(sub, 'all.csv'));
    expect(whole.head).toBe('index,cluster,confidence,label');
    expect(new Set(whole.body.trim().split('\n').map((l) => l.split(',')[1])).size, 'the rows fall in several clusters').toBeGreaterThan(1);
    const parts: string[] = [];
    const embedded: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const p = run(['predict', ...base, '--labels', labelsFile, '--shard', `${i}/3`, '--out', join(sub, `part-${i}.csv`)]);
      const [a, b] = shardRows(i, 3, N);
      expect(p.stderr).toContain(`${b - a} points of ${name} (rows ${a} to ${b - 1})`);
      const part = csvParts(join(sub, `part-${i}.csv`));
      expect(part.head).toBe(whole.head);
      parts.push(part.body);
      // the slice's scores, and which rows they are of
      const metrics = JSON.parse(readFileSync(join(sub, `part-${i}.metrics.json`), 'utf8'));
      expect(metrics.rows).toEqual([a, b]);
      expect(metrics.n).toBe(b - a);
      run(['embed', ...base, '--shard', `${i}/3`, '--out', join(sub, `part-${i}.npy`)]);
      const z = npyData(join(sub, `part-${i}.npy`));
      expect(z.shape).toBe(`${b - a}, 2`);
      embedded.push(z.data);
    }
    expect(parts.join('')).toBe(whole.body);
    const all = npyData(join(sub, 'all.npy'));
    expect(all.shape).toBe(`${N}, 2`);
    expect(Buffer.concat(embedded).equals(all.data)).toBe(true);
  });

  it('--rows A:B and --shard auto/n (Slurm, Kubernetes) give those rows of the unsharded output', () => {
    const data = join(dir, 'x.csv');
    const base = ['predict', '--model', modelFile, '--data', data];
    const sub = mkdtempSync(join(dir, 'rows-'));
    run([...base, '--out', join(sub, 'all.csv')]);
    const whole = csvParts(join(sub, 'all.csv')).body.split('\n');
    run([...base, '--rows', '5:12', '--out', join(sub, 'r.csv')]);
    expect(csvParts(join(sub, 'r.csv')).body).toBe(whole.slice(5, 12).join('\n') + '\n');
    expect(whole[5].startsWith('5,')).toBe(true);
    run([...base, '--rows', '22:23', '--out', join(sub, 'last.csv')]); // one row is enough for predict
    expect(csvParts(join(sub, 'last.csv')).body).toBe(whole[22] + '\n');
    const [a, b] = shardRows(1, 3, N);
    run([...base, '--shard', 'auto/3', '--out', join(sub, 'slurm.csv')], { SLURM_ARRAY_TASK_ID: '1' });
    expect(csvParts(join(sub, 'slurm.csv')).body).toBe(whole.slice(a, b).join('\n') + '\n');
    const [c, d] = shardRows(2, 3, N);
    const k = run([...base, '--shard', 'auto/3', '--out', join(sub, 'k8s.csv'), '--json'], { JOB_COMPLETION_INDEX: '2' });
    expect(csvParts(join(sub, 'k8s.csv')).body).toBe(whole.slice(c, d).join('\n') + '\n');
    const done = JSON.parse(k.stdout.trim().split('\n').at(-1)!);
    expect(done.metrics.rows).toEqual([c, d]);
  });

  it.each([
    [['--shard', 'auto/3'], {}, /^webgpu-dec: --shard auto\/3 takes the shard from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, and neither is set; /],
    [['--shard', 'auto/3'], { SLURM_ARRAY_TASK_ID: '3' }, /^webgpu-dec: --shard auto\/3: SLURM_ARRAY_TASK_ID is "3", not a shard from 0 to 2; number the tasks from 0 \(e\.g\. #SBATCH --array=0-2/],
    [['--shard', '3/3'], {}, /^webgpu-dec: --shard 3\/3: i must be 0 to 2; got 3$/],
    [['--shard', '1of3'], {}, /^webgpu-dec: --shard must be i\/n .*; got "1of3"$/],
    [['--rows', '7:7'], {}, /^webgpu-dec: --rows must be A:B, .*; got "7:7"$/],
    [['--rows', '0:5', '--shard', '0/2'], {}, /^webgpu-dec: --rows and --shard both choose the rows; pass one of them$/],
    [['--rows', '20:24'], {}, /x\.npy: has 23 rows \(0 … 22\); the rows asked for \(--rows 20:24\) end past them$/],
    [['--rows', '20:24', 'csv'], {}, /x\.csv: has 23 data rows \(0 … 22\); the rows asked for \(--rows 20:24\) end past them$/],
    [['--shard', '0/24'], {}, /x\.npy: has 23 rows, so shard 0 of 24 \(--shard\) would be empty; use at most 23 shards$/],
  ] as [string[], Record<string, string>, RegExp][])('%j %j: one line, exit 2, nothing written', (flags, env, message) => {
    const data = join(dir, flags.at(-1) === 'csv' ? 'x.csv' : 'x.npy');
    const out = join(mkdtempSync(join(dir, 'bad-')), 'p.csv');
    const r = cli(['predict', '--model', modelFile, '--data', data, '--out', out, ...flags.filter((f) => f !== 'csv')], env);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, r.stderr).toHaveLength(1);
    expect(r.status).toBe(2);
    expect(lines[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});

describe('a slice reads its rows alone', () => {
  /** The rows a pass over rows [a, b) of `file` visits, and the slice's first row. */
  async function visited(file: string, a: number, b: number) {
    const f = await selectRows(openRows(file), { rows: [a, b] });
    const seen: number[] = [];
    const rows = await f.pass(2 * 4 * D, (start, x, count) => {
      for (let r = 0; r < count; r++) seen.push(...x.subarray(r * D, (r + 1) * D));
    });
    return { rows, first: f.first, seen };
  }
  it.each(['x.npy', 'x-idx2-ubyte', 'x.csv'])('%s: a pass over rows 5 … 11 visits those rows, with their values', async (name) => {
    const v = await visited(join(dir, name), 5, 12);
    expect(v.rows).toBe(7);
    expect(v.first).toBe(5);
    expect(v.seen).toEqual(Array.from(values.subarray(5 * D, 12 * D)));
  });
  it('values the other shards would refuse are not read: NaN in an NPY, a bad cell in a CSV, outside the slice', async () => {
    const x = Float32Array.from(values);
    x[1] = NaN; // row 0
    x[20 * D] = Infinity; // row 20
    const npy = join(dir, 'holes.npy');
    writeFileSync(npy, npyBytes(x, [N, D]));
    await expect(scanFile(npy, null, defaultPreprocess)).rejects.toThrow(/value at row 0, column 1 \(counting from 0\) is NaN/);
    const slice = await scanFile(npy, null, defaultPreprocess, { rows: { rows: [1, 20] } });
    expect(slice.ds.n).toBe(19);
    // a refused value inside the slice is named by its row in the file
    await expect(scanFile(npy, null, defaultPreprocess, { rows: { rows: [15, 23] } })).rejects.toThrow(/value at row 20, column 0 \(counting from 0\) is Infinity/);
    const gz = join(dir, 'holes.npy.gz');
    writeFileSync(gz, gzipSync(npyBytes(x, [N, D])));
    expect((await scanFile(gz, null, defaultPreprocess, { rows: { shard: [1, 3] } })).ds.n).toBe(8);
    const text = csv().split('\r\n');
    text[2] = '1,two,3'; // data row 1 (line 3)
    const bad = join(dir, 'holes.csv');
    writeFileSync(bad, text.join('\n'));
    await expect(scanFile(bad, null, defaultPreprocess)).rejects.toThrow(/line 3, column 2: "two" is not a finite number/);
    const v = await visited(bad, 2, 23);
    expect(v.seen).toEqual(Array.from(values.subarray(2 * D)));
    const sharded = await scanFile(bad, labelsFile, defaultPreprocess, { rows: { shard: [2, 3] } });
    expect([sharded.ds.n, sharded.ds.file!.first]).toEqual([8, 15]);
    expect(Array.from(sharded.ds.labels!)).toEqual(labels.slice(15));
  });
  it('the shards cover every row once, in order, sizes differing by one at most', () => {
    for (const [n, total] of [[3, 23], [8, 8], [7, 100], [1, 5]]) {
      const slices = Array.from({ length: n }, (_, i) => shardRows(i, n, total));
      expect(slices[0][0]).toBe(0);
      expect(slices.at(-1)![1]).toBe(total);
      for (let i = 1; i < n; i++) expect(slices[i][0]).toBe(slices[i - 1][1]);
      const sizes = slices.map(([a, b]) => b - a);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(rowSelectionOf(undefined, 'auto/8', { SLURM_ARRAY_TASK_ID: '7', JOB_COMPLETION_INDEX: '0' })).toEqual({ shard: [7, 8] });
    expect(rowSelectionOf(undefined, 'auto/8', { JOB_COMPLETION_INDEX: '0' })).toEqual({ shard: [0, 8] });
    expect(rowSelectionOf('0:10', undefined, {})).toEqual({ rows: [0, 10] });
    expect(rowSelectionOf(undefined, undefined, {})).toBeUndefined();
  });
});
