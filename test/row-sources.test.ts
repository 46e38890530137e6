// How a file's rows are held on the GPU besides plain float32 chunks:
//  - 8-bit data packed four values to a word (src/tensor/packed.ts), unpacked through a table of
//    the preprocessed values: a quarter of the memory, and runs equal to the float32 ones bit for bit;
//  - out-of-core data (src/data/streamed.ts): rows over the GPU memory budget stay in their file and
//    are read a window at a time, for every pass and for the minibatches. The windows hold exactly
//    the values resident rows in the same order hold, so the paper's recipe gives the resident
//    run's result bit for bit, and a seed gives the same run twice.
// (Kill and --resume out-of-core: resume.test.ts; files that cannot go out-of-core: bad-input.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inMemory, takeRows, type Dataset } from '../src/data/dataset.js';
import { prepareData } from '../src/data/prepare.js';
import { StreamedRows, streamLayout, windowedOrder } from '../src/data/streamed.js';
import { datasetFromArray } from '../src/data/from-array.js';
import { makeRng } from '../src/random/rng.js';
import { upload } from '../src/data/upload.js';
import { ShuffledBatches } from '../src/data/batches.js';
import { npyBytes } from '../src/data/formats/npy.js';
import { runDec } from '../src/run/phases.js';
import { PackedRows, type ChunkedRows } from '../src/tensor/index.js';
import { blobs, configFor, useRuntime } from './helpers.js';

const rt = useRuntime();
const dir = mkdtempSync(join(tmpdir(), 'dec-ooc-'));

afterEach(() => {
  delete process.env.WEBGPU_DEC_BLOCK_BYTES;
});

const [k, d] = [3, 12];
const points = blobs(k, d, 170, 11); // 510 points in class order, as a file might hold them
const path = join(dir, 'blobs.npy');
writeFileSync(path, npyBytes(points.x!, [points.n, d]));
/** A budget whose window holds 96 rows (half of it): 6 windows over the 510 rows. */
const budget = 2 * 96 * d * 4;

/** The data in the run's order, out-of-core under the budget (labels from memory). */
async function outOfCore(seed: number): Promise<Dataset> {
  const { ds } = await prepareData({ data: path, labels: null, subset: null }, seed, { rule: 'none', factor: 1 }, false, { gpuMemory: budget });
  return { ...ds, labels: Int32Array.from(ds.index!, (r) => points.labels![r]) };
}

const values = async (t: { toArray(): Promise<Float32Array> }) => Array.from(await t.toArray());

describe('out-of-core data', () => {
  it('the windowed order: a permutation, each window a few stretches of the file, fixed by its key', () => {
    const fileRows = Uint32Array.from({ length: 1000 }, (_, i) => (i * 7) % 1000); // any order of the file's rows
    const layout = { windowRows: 120, blockRows: 8 };
    const order = windowedOrder(fileRows, layout, 'k');
    expect([...order].sort((a, b) => a - b)).toEqual([...fileRows.keys()]);
    for (let w = 0; w * 120 < 1000; w++) {
      const rows = [...order.subarray(w * 120, (w + 1) * 120)].map((p) => fileRows[p]).sort((a, b) => a - b);
      const stretches = rows.filter((r, i) => i === 0 || r !== rows[i - 1] + 1).length;
      expect(stretches).toBeLessThanOrEqual(120 / 8 + 1);
      expect(new Set(rows.map((r) => Math.floor(r / 8))).size).toBeLessThanOrEqual(120 / 8 + 1);
    }
    expect(Array.from(windowedOrder(fileRows, layout, 'k'))).toEqual(Array.from(order));
    expect(Array.from(windowedOrder(fileRows, layout, 'other'))).not.toEqual(Array.from(order));
    expect(streamLayout(budget, 4 * d)).toEqual({ windowRows: 96, blockRows: 1 });
    expect(streamLayout(1 << 28, 4 * 784)).toEqual({ windowRows: 42752, blockRows: 167 }); // a 256 MiB budget, MNIST-wide rows: 256 blocks a window
  });

  it('windows read from the file hold the resident rows: slices across windows, the blocks of a pass, a shuffled epoch', async () => {
    process.env.WEBGPU_DEC_BLOCK_BYTES = String(5 * d * 4); // 5 rows staged at a time
    const ds = await outOfCore(3);
    expect(ds.stream).toEqual({ windowRows: 96, blockRows: 1 });
    expect(ds.x).toBeNull();
    const streamed = (await upload(rt(), ds)) as StreamedRows;
    expect(streamed).toBeInstanceOf(StreamedRows);
    const resident = (await upload(rt(), await inMemory(ds))) as ChunkedRows;
    for (const [start, rows] of [[0, 96], [90, 20], [5, 300], [500, 10], [0, 510]]) {
      expect(await values(streamed.slice(start, rows)), `rows ${start}+${rows}`).toEqual(await values(resident.slice(start, rows)));
    }
    const before = streamed.reads;
    for (const b of streamed.blocks()) expect(await values(streamed.block(b))).toEqual(await values(resident.block(b)));
    expect(streamed.reads - before).toBeLessThanOrEqual(Math.ceil(510 / 96) + 1); // each window once (the first may be held already)
    // A shuffled epoch: a windowed order of its own, the same rows as a gather through it.
    const batches = new ShuffledBatches(rt(), streamed);
    const gathered = new ShuffledBatches(rt(), resident);
    const order = streamed.epochOrder('epoch0');
    batches.setEpoch('epoch0');
    gathered.setPermutation(order);
    for (const start of [0, 64, 448]) expect(await values(batches.batch(start, Math.min(64, 510 - start)))).toEqual(await values(gathered.batch(start, Math.min(64, 510 - start))));
    // A row taken twice is read twice.
    const twice = (await upload(rt(), takeRows(ds, [4, 4, 0, 509]))) as StreamedRows;
    const want = await resident.read();
    expect(await values(twice.slice(0, 4))).toEqual([4, 4, 0, 509].flatMap((p) => Array.from(want.subarray(p * d, (p + 1) * d))));
    for (const x of [streamed, resident, twice]) x.dispose();
    batches.dispose();
    gathered.dispose();
  });

  it("the paper's recipe out-of-core gives exactly the resident run on the same order; a seed gives the same run twice", async () => {
    const ds = await outOfCore(2);
    const paper = configFor(ds, { preset: 'paper', seed: 2, k, dims: [16, 16, 32, 3], batch: 32, layerIters: 20, finetuneIters: 30, maxIter: 40, updateInterval: 10, tol: 0, kmeansRestarts: 2, rawKmeansRestarts: 1 });
    const streamed = await runDec(rt(), ds, paper, { progress: () => {} });
    const resident = await runDec(rt(), await inMemory(ds), paper, { progress: () => {} });
    expect(Array.from(streamed.labels)).toEqual(Array.from(resident.labels));
    expect(Array.from(streamed.confidence)).toEqual(Array.from(resident.confidence));
    expect([streamed.dec, streamed.aeKmeans, streamed.rawKmeans]).toEqual([resident.dec, resident.aeKmeans, resident.rawKmeans]);
    expect([streamed.rawKmeans!.acc, streamed.aeKmeans!.acc]).toEqual([1, 1]); // three well-separated blobs, found through the windows
    // The end-to-end recipe: its epochs are windowed orders of their own; twice the same.
    const quick = configFor(ds, { seed: 2, k, dims: [16, 16, 32, 3], batch: 32, pretrainSteps: 60, maxIter: 40, updateInterval: 10, tol: 0, kmeansRestarts: 2, rawKmeansRestarts: 0 });
    const [a, b] = [await runDec(rt(), ds, quick, { progress: () => {} }), await runDec(rt(), await outOfCore(2), quick, { progress: () => {} })];
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.confidence)).toEqual(Array.from(b.confidence));
    for (const r of [streamed, resident, a, b]) r.ae.dispose();
  });
});

describe('8-bit data packed four to a word', () => {
  // Three blobs of 8-bit "pixels" (d = 30: a row ends mid-word), in class order.
  const [n, w] = [390, 30];
  const rng = makeRng(4);
  const centres = Array.from({ length: 3 }, () => Array.from({ length: w }, () => 40 + Math.floor(170 * rng())));
  const labels = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 130));
  const pixels = Uint8Array.from({ length: n * w }, (_, i) => Math.max(0, Math.min(255, centres[labels[Math.floor(i / w)]][i % w] + Math.floor(60 * (rng() - 0.5)))));
  pixels[7] = 255; // a top byte of 255: a NaN pattern, were the words copied as floats
  const u8path = join(dir, 'pixels.npy');
  const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (" + n + ', ' + w + '), }';
  const pre = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, 0, 0]);
  const padded = header.padEnd(Math.ceil((10 + header.length + 1) / 64) * 64 - 11) + '\n';
  pre.writeUInt16LE(padded.length, 8);
  writeFileSync(u8path, Buffer.concat([pre, Buffer.from(padded, 'latin1'), Buffer.from(pixels)]));

  const read = async (seed: number, gpuMemory?: number): Promise<Dataset> => {
    const { ds } = await prepareData({ data: u8path, labels: null, subset: null }, seed, { rule: 'unit', factor: 1 }, false, { gpuMemory });
    return { ...ds, labels: Int32Array.from(ds.index!, (r) => labels[r]) };
  };

  it('take a quarter of the memory and give the float32 values; the end-to-end recipe (shuffled batches) gives the float32 run bit for bit', async () => {
    const ds = await read(1);
    expect(ds.packed).toBe(true);
    const packed = await upload(rt(), ds);
    expect(packed).toBeInstanceOf(PackedRows);
    const words = (packed as PackedRows).words;
    expect(words.cols).toBe(8); // 30 values: 7.5 words a row
    const memory = datasetFromArray(pixels, { d: w }); // ÷ 255 in memory
    const want = Float32Array.from({ length: n * w }, (_, i) => memory.x![ds.index![Math.floor(i / w)] * w + (i % w)]);
    expect(Array.from(await packed.read())).toEqual(Array.from(want));
    packed.dispose();
    const cfg = configFor(ds, { seed: 1, k: 3, dims: [16, 16, 32, 3], batch: 32, pretrainSteps: 60, maxIter: 30, updateInterval: 10, tol: 0, kmeansRestarts: 2, rawKmeansRestarts: 1 });
    const [a, b] = [await runDec(rt(), ds, cfg, { progress: () => {} }), await runDec(rt(), await inMemory(ds), cfg, { progress: () => {} })];
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.confidence)).toEqual(Array.from(b.confidence));
    expect([a.dec, a.aeKmeans, a.rawKmeans]).toEqual([b.dec, b.aeKmeans, b.rawKmeans]);
    expect(a.rawKmeans!.acc).toBe(1);
    for (const r of [a, b]) r.ae.dispose();
  });

  it('out-of-core too: windows of packed words, the same run as the float32 rows in memory', async () => {
    const ds = await read(2, 2 * 50 * 32); // 32 bytes a packed row: windows of 50 rows
    expect(ds.stream).toEqual({ windowRows: 50, blockRows: 1 });
    const paper = configFor(ds, { preset: 'paper', seed: 2, k: 3, dims: [16, 16, 32, 3], batch: 32, layerIters: 20, finetuneIters: 30, maxIter: 30, updateInterval: 10, tol: 0, kmeansRestarts: 2, rawKmeansRestarts: 1 });
    const [a, b] = [await runDec(rt(), ds, paper, { progress: () => {} }), await runDec(rt(), await inMemory(ds), paper, { progress: () => {} })];
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.confidence)).toEqual(Array.from(b.confidence));
    expect([a.dec, a.aeKmeans, a.rawKmeans]).toEqual([b.dec, b.aeKmeans, b.rawKmeans]);
    for (const r of [a, b]) r.ae.dispose();
  });
});
