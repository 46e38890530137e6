// The pipeline in phases: data larger than one binding gives exactly the one-binding result; data
// read from a file block by block gives exactly the run on the same values in memory; and the saved
// model, applied to the data in the file's own order, reproduces training's clusters.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shuffle, takeRows, type Dataset } from '../src/data/dataset.js';
import { datasetFromArray } from '../src/data/from-array.js';
import { prepareData } from '../src/data/prepare.js';
import { assign } from '../src/dec/assign.js';
import { upload } from '../src/data/upload.js';
import type { ChunkedRows } from '../src/tensor/index.js';
import { modelBytes, modelOnGpu, readModel } from '../src/model/model-file.js';
import { runDec } from '../src/run/phases.js';
import { gaussian, makeRng } from '../src/random/rng.js';
import { blobs, configFor, useRuntime } from './helpers.js';

const rt = useRuntime();

const [k, d] = [4, 20];
const file = blobs(k, d, 650, 7); // 2,600 points
const ds = shuffle(file, 1);
const cfg = configFor(ds, { seed: 1, k, dims: [16, 16, 32, 3], batch: 64, pretrainSteps: 40, maxIter: 40, updateInterval: 10, tol: 0, kmeansRestarts: 2, rawKmeansRestarts: 1 });
const run = async () => runDec(rt(), ds, cfg, { progress: () => {} });

afterEach(() => {
  delete process.env.WEBGPU_DEC_MAX_BINDING;
  delete process.env.WEBGPU_DEC_BLOCK_BYTES;
});

const dir = mkdtempSync(join(tmpdir(), 'dec-phases-'));

/** An NPY file (version 1.0) of float32 or uint8 rows, as numpy.save writes it. */
function npyFile(name: string, x: Float32Array | Uint8Array, rows: number, cols: number): string {
  const dict = `{'descr': '${x instanceof Uint8Array ? '|u1' : '<f4'}', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const header = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 11) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(x.buffer, x.byteOffset, x.byteLength)]));
  return path;
}

/** The rows of a ChunkedRows on the host, and frees it. */
async function readBack(x: Awaited<ReturnType<typeof upload>>): Promise<Float32Array> {
  const out = await (x as ChunkedRows).read();
  x.dispose();
  return out;
}

describe('the pipeline in phases', () => {
  it('data split into chunks (a lowered binding limit) gives exactly the one-chunk run', async () => {
    const whole = await run();
    // 1,024 rows of 20 floats a binding: x (and z, q, p) span 3 chunks.
    process.env.WEBGPU_DEC_MAX_BINDING = String(1024 * d * 4);
    const probe = (await upload(rt(), ds)) as ChunkedRows;
    expect(probe.chunks).toHaveLength(3);
    probe.dispose();
    const chunked = await run();
    expect(Array.from(chunked.labels)).toEqual(Array.from(whole.labels));
    expect(Array.from(chunked.confidence)).toEqual(Array.from(whole.confidence));
    expect(Array.from(chunked.centers)).toEqual(Array.from(whole.centers));
    expect([chunked.dec, chunked.aeKmeans, chunked.rawKmeans]).toEqual([whole.dec, whole.aeKmeans, whole.rawKmeans]);
    expect(whole.dec!.acc).toBeGreaterThan(0.9); // well-separated blobs: the run itself works
    whole.ae.dispose();
    chunked.ae.dispose();
  });

  it('the same data read from a file, block by block across chunks, gives exactly the run in memory', async () => {
    const whole = await run();
    const path = npyFile('blobs.npy', file.x!, file.n, d);
    // 200-byte blocks: 2 rows of 20 floats a block; 1,024 rows a binding: 3 chunks.
    process.env.WEBGPU_DEC_BLOCK_BYTES = '200';
    process.env.WEBGPU_DEC_MAX_BINDING = String(1024 * d * 4);
    const read = await prepareData({ data: path, labels: null, subset: null }, 1, { rule: 'unit', factor: 1 });
    expect(read.ds.x).toBeNull(); // the values stay in the file
    expect(Array.from(read.ds.index!)).toEqual(Array.from(ds.index!)); // the same seeded order
    expect(Array.from(await readBack(await upload(rt(), read.ds)))).toEqual(Array.from(ds.x!));
    const streamed = await runDec(rt(), { ...read.ds, labels: ds.labels }, cfg, { progress: () => {} });
    expect(Array.from(streamed.labels)).toEqual(Array.from(whole.labels));
    expect(Array.from(streamed.confidence)).toEqual(Array.from(whole.confidence));
    expect([streamed.dec, streamed.aeKmeans, streamed.rawKmeans]).toEqual([whole.dec, whole.aeKmeans, whole.rawKmeans]);
    whole.ae.dispose();
    streamed.ae.dispose();
  });

  it('8-bit pixels from a file get exactly the values of the same pixels preprocessed in memory (÷ 255), subsets too', async () => {
    const [n, w] = [301, 49];
    const rng = makeRng(3);
    const pixels = Uint8Array.from({ length: n * w }, () => Math.floor(256 * rng()));
    const path = npyFile('pixels.npy', pixels, n, w);
    process.env.WEBGPU_DEC_BLOCK_BYTES = String(7 * w * 4); // 7 rows a block: the last one partial
    const memory = datasetFromArray(pixels, { d: w });
    expect(memory.preprocess!.divisor).toBe(255);
    for (const subset of [null, 120]) {
      const read = await prepareData({ data: path, labels: null, subset }, 5, { rule: 'unit', factor: 1 });
      expect(read.preprocess.divisor).toBe(255);
      const want = read.ds.index!;
      const expected = Float32Array.from({ length: want.length * w }, (_, i) => memory.x![want[Math.floor(i / w)] * w + (i % w)]);
      expect(Array.from(await readBack(await upload(rt(), read.ds)))).toEqual(Array.from(expected));
    }
    // A row taken twice (takeRows is public) is placed twice.
    const read = await prepareData({ data: path, labels: null, subset: null }, 5, { rule: 'unit', factor: 1 });
    const twice = takeRows(read.ds, [4, 4, 0, 300]);
    const rowsOf = (i: number) => Array.from(memory.x!.subarray(twice.index![i] * w, (twice.index![i] + 1) * w));
    expect(Array.from(await readBack(await upload(rt(), twice)))).toEqual([0, 1, 2, 3].flatMap(rowsOf));
  });

  it('a file of several reads (2.5 MB: the reader refills one 1 MiB buffer) arrives whole and in place', async () => {
    const [n, w] = [2503, 250]; // 2,503 rows of 1,000 bytes: reads and blocks end inside rows
    const x = gaussian(n * w, 1, makeRng(9));
    const path = npyFile('several-reads.npy', x, n, w);
    process.env.WEBGPU_DEC_BLOCK_BYTES = String(333 * w * 4);
    const read = await prepareData({ data: path, labels: null, subset: null }, 2, { rule: 'none', factor: 1 });
    const order = read.ds.index!;
    const expected = Float32Array.from({ length: n * w }, (_, i) => x[order[Math.floor(i / w)] * w + (i % w)]);
    expect(Array.from(await readBack(await upload(rt(), read.ds)))).toEqual(Array.from(expected));
  });

  it('a file that changes between the check and the upload is refused, not misread', async () => {
    const path = join(dir, 'moving.csv');
    writeFileSync(path, '1,2\n3,4\n5,6\n');
    const read = await prepareData({ data: path, labels: null, subset: null }, 0, { rule: 'none', factor: 1 });
    writeFileSync(path, '1,2\n3,4\n5,6\n7,8\n');
    await expect(upload(rt(), read.ds)).rejects.toThrow(/moving\.csv: 4 rows where there were 3 since it was checked: it changed while being read/);
    writeFileSync(path, '1,2,0\n3,4,0\n5,6,0\n');
    await expect(upload(rt(), read.ds)).rejects.toThrow(/moving\.csv: 3 columns where there were 2 since it was checked/);
  });

  it('the saved model applied to the file’s rows in their own order reproduces training’s clusters', async () => {
    const r = await run();
    const meta = { dims: cfg.dims, k, alpha: 1, preprocess: cfg.preprocess, image: null, preset: cfg.preset, seed: cfg.seed, adapter: 'test' };
    const model = modelOnGpu(rt(), readModel('model.safetensors', await modelBytes(r.ae, r.centers, meta)));
    const x = await upload(rt(), file); // the file's order, not the run's shuffle
    const a = await assign(rt(), { ae: model.ae, mu: model.mu.buffer, k, alpha: 1 }, x, { confidence: true });
    for (let i = 0; i < ds.n; i++) {
      expect(a.hard[ds.index![i]]).toBe(r.labels[i]);
      expect(a.confidence![ds.index![i]]).toBe(r.confidence[i]); // blocks of one shape: the same arithmetic per point
    }
    [x, model.ae, model.mu, r.ae].forEach((t) => t.dispose());
  });
});
