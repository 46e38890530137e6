// Bad input through the command line: exit code 2, exactly one line on stderr (Dawn's start-up warnings
// are filtered by the launcher, so nothing else may show), naming the file and what to do, and no
// output folder left behind. Nearly every case fails before a device is opened, so the file is quick.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../src/io/safetensors.js';
import { trainFlags, trainUsage } from '../src/cli/train.js';
import { makeRng } from '../src/random/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'dec-bad-'));

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/webgpu-dec.js', ...args], { encoding: 'utf8', timeout: 60_000 });

/** An NPY file (version 1.0) as numpy.save writes it: header padded to 64 bytes, then the raw data. */
function npy(descr: string, shape: number[], data: Buffer, fortran = false): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const header = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 11) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), data]);
}
const f32 = (...v: number[]) => Buffer.from(new Float32Array(v).buffer);
/** An IDX file: 0, 0, type, ndim, the dimensions big-endian, then the data. */
function idx(type: number, dims: number[], data: Buffer): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}
const points = npy('<f4', [4, 2], f32(0, 0, 0, 1, 5, 5, 5, 6)); // a good 4 × 2 data set

/** Writes the files, runs `train --data <first file> [--labels <second>] --k 2 --out OUT` and checks the policy. */
function expectBadInput(files: [string, Buffer | string | null][], message: RegExp, extra: string[] = []) {
  const sub = mkdtempSync(join(dir, 'case-'));
  const paths = files.map(([name, content]) => {
    const p = join(sub, name);
    if (content !== null) writeFileSync(p, content);
    return p;
  });
  const out = join(sub, 'out');
  const r = cli(['train', '--data', paths[0], ...(paths[1] ? ['--labels', paths[1]] : []), '--k', '2', ...extra, '--out', out]);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.status, r.stderr).toBe(2);
  expect(lines[0]).toMatch(/^webgpu-dec: /);
  expect(lines[0]).toMatch(message);
  expect(existsSync(out), 'no output folder').toBe(false);
  return lines[0];
}
/** The path in a message, as a regex. */
const at = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('bad input: one line, exit 2, nothing written', () => {
  it('a missing file', () => {
    expectBadInput([['nope.npy', null]], /nope\.npy: no such file; pass --data mnist or a path/);
  });
  it('a missing labels file', () => {
    expectBadInput([['x.npy', points], ['nope.csv', null]], /nope\.csv: no such file; pass --labels the path of a \.npy, \.csv or \.idx file/);
  });
  it('a directory', () => {
    const sub = mkdtempSync(join(dir, 'd-'));
    mkdirSync(join(sub, 'points.npy'));
    const out = join(sub, 'out');
    const r = cli(['train', '--data', join(sub, 'points.npy'), '--k', '2', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([`webgpu-dec: ${join(sub, 'points.npy')}: is a directory; pass a .npy, .csv or .idx file (optionally .gz)`]);
    expect(existsSync(out)).toBe(false);
  });
  it.each(['x.npy', 'x.csv', 'train-images-idx3-ubyte', 'x.npy.gz'])('an empty file: %s', (name) => {
    expectBadInput([[name, Buffer.alloc(0)]], new RegExp(`${at(name)}: the file is empty \\(0 bytes\\); check that the export or download finished`));
  });
  it('a truncated .gz', () => {
    const gz = gzipSync(npy('<f4', [64, 16], f32(...Array.from({ length: 1024 }, (_, i) => Math.sin(i)))));
    expectBadInput([['x.npy.gz', gz.subarray(0, gz.length >> 1)]], /x\.npy\.gz: the gzip stream is truncated or corrupt \(unexpected end of file\); download or compress/);
  });
  it('a .gz that is not gzip', () => {
    expectBadInput([['x.npy.gz', points]], /x\.npy\.gz: is not gzip-compressed despite its \.gz name \(bad magic\); rename it without \.gz/);
  });
  it('a gzip file without .gz', () => {
    expectBadInput([['x.npy', gzipSync(points)]], /x\.npy: is gzip-compressed but not named \.gz; rename it to .*x\.npy\.gz/);
  });
  it('a truncated NPY', () => {
    expectBadInput([['x.npy', points.subarray(0, points.length - 5)]], /x\.npy: truncated: the header says 4×2 <f4 \(32 bytes of data\) but only 27 follow it; save the array again/);
  });
  it('a truncated IDX', () => {
    expectBadInput([['x-idx3-ubyte', idx(0x08, [4, 2, 2], Buffer.alloc(10))]], /x-idx3-ubyte: truncated: the header says 4×2×2 \(16 bytes of data\) but only 10 follow it/);
  });
  it('an NPY with the wrong magic', () => {
    expectBadInput([['x.npy', 'index,value\n1,2\n']], /x\.npy: not an NPY file \(bad magic\); save the array with numpy\.save/);
  });
  it('an IDX with the wrong magic', () => {
    expectBadInput([['x.idx', 'PK\x03\x04 not idx']], /x\.idx: not an IDX file \(bad magic: .*\); pass MNIST-style files/);
  });
  it.each([
    ['<c8', 'complex64'],
    ['|b1', 'bool'],
    ['<f2', 'float16'],
  ])('an NPY of dtype %s', (descr, named) => {
    expectBadInput([['x.npy', npy(descr, [4, 2], Buffer.alloc(64))]],
      new RegExp(`x\\.npy: dtype '${at(descr)}' \\(${named}\\) is not supported; supported: float32, float64, int8.*; convert with arr\\.astype`));
  });
  it('an NPY in Fortran order', () => {
    expectBadInput([['x.npy', npy('<f4', [4, 2], f32(0, 0, 5, 5, 0, 1, 5, 6), true)]], /x\.npy: Fortran-order .* not supported; save numpy\.ascontiguousarray\(arr\)/);
  });
  it('a 0-D NPY', () => {
    expectBadInput([['x.npy', npy('<f4', [], f32(1))]], /x\.npy: a single number \(shape \(\)\) is not a data set; save a 2-D array/);
  });
  it('a 3-D NPY', () => {
    expectBadInput([['x.npy', npy('<f4', [2, 2, 2], f32(1, 2, 3, 4, 5, 6, 7, 8))]], /x\.npy: shape \(2, 2, 2\) is 3-D; save a 2-D array .*reshape/);
  });
  it('a CSV with ragged rows', () => {
    expectBadInput([['x.csv', 'a,b\n1,2\n\n3\n4,5\n']], /x\.csv: line 4 has 1 fields, expected 2 \(as on line 1\); every row needs the same number/);
  });
  it('a CSV with a non-numeric cell', () => {
    expectBadInput([['x.csv', 'a,b\n1,2\n3,oops\n']], /x\.csv: line 3, column 2: "oops" is not a finite number; every cell below the header must be a number$/);
  });
  it('a CSV with only a header', () => {
    expectBadInput([['x.csv', 'a,b,c\n']], /x\.csv: has a header row but no data rows; write one point per line below it/);
  });
  it('a .gz whose header announces more images than the stream holds: refused before inflating', () => {
    const bomb = gzipSync(idx(0x08, [3_000_000, 28, 28], Buffer.alloc(1024)));
    expectBadInput([['x.idx.gz', bomb]], /x\.idx\.gz: the header announces 3000000×28×28 values \(2352000016 bytes\) but gzip's size field says 1040 bytes: the file is truncated or damaged; download or compress the file again$/);
  });
  it('a gzip bomb: a .gz whose header (and gzip size field) announce 3,000,000 images of zeros, refused by its ratio before inflating', () => {
    // 3,000,000 × 28 × 28 bytes of zeros, as the size field says, from 1 KiB of gzip; the stream
    // itself is cut short, so a reader that inflated it would fail otherwise. Packed, the values
    // would fit the default budget.
    const head = gzipSync(idx(0x08, [3_000_000, 28, 28], Buffer.alloc(1024)));
    head.writeUInt32LE((16 + 3_000_000 * 784) % 2 ** 32, head.length - 4);
    expectBadInput([['x.idx.gz', head]], new RegExp(`x\\.idx\\.gz: would inflate to 2352000016 bytes from ${head.length} \\(more than 100:1; its header announces 3000000×28×28 values\\), as a decompression bomb or constant data do; if it is real data, decompress it \\(gunzip\\) and pass that file$`));
  });
  it('a .gz over the GPU memory budget: refused from its header (out-of-core reads need row offsets)', () => {
    // 2,000 random 28 × 28 images (hardly compressible): 1.5 MiB packed, over a 1 MiB budget.
    const rng = makeRng('gz-budget');
    const gz = gzipSync(idx(0x08, [2000, 28, 28], Buffer.from(Array.from({ length: 2000 * 784 }, () => Math.floor(256 * rng())))));
    expectBadInput([['x.idx.gz', gz]], /x\.idx\.gz: 2000×784 values take 1\.5 MiB as 8-bit values on the GPU, more than the budget of 1\.0 MiB \(--gpu-memory\); data over the budget are read at row offsets, which a \.gz has not: decompress it \(gunzip\), or pass a larger --gpu-memory if the GPU has it$/, ['--gpu-memory', '1M']);
  });
  it('a CSV whose rows exceed the GPU memory budget: refused after the pass that counts them (out-of-core reads need row offsets)', () => {
    expectBadInput([['x.csv', '1,2\n3,4\n5,6\n']], /x\.csv: 3×2 values take 24 bytes as float32 on the GPU, more than the budget of 16 bytes \(--gpu-memory\); data over the budget are read at row offsets, which a CSV has not: convert it to \.npy \(numpy\.save\), or pass a larger --gpu-memory if the GPU has it$/, ['--gpu-memory', '16']);
  });
  it('a --gpu-memory that is not a size', () => {
    expectBadInput([['x.npy', points]], /^webgpu-dec: --gpu-memory must be a size such as 40G, 800M or 1\.5GiB; got "lots"$/, ['--gpu-memory', 'lots']);
  });
  it('NaN in NPY data', () => {
    expectBadInput([['x.npy', npy('<f4', [4, 2], f32(0, 0, 0, 1, 5, NaN, 5, 6))]], /x\.npy: value at row 2, column 1 \(counting from 0\) is NaN; drop or impute/);
  });
  it('Infinity in IDX data', () => {
    const data = Buffer.alloc(16);
    [0, 1, Infinity, 3].forEach((v, i) => data.writeFloatBE(v, 4 * i));
    expectBadInput([['x-idx2-ubyte', idx(0x0d, [2, 2], data)]], /x-idx2-ubyte: value at row 1, column 0 \(counting from 0\) is Infinity; drop or impute/);
  });
  it('a CSV value beyond float32', () => {
    expectBadInput([['x.csv', 'a,b\n1,2\n1e39,3\n']], /x\.csv: value at line 3, column 1 is beyond float32's range \(it reads as Infinity\); rescale the data$/);
  });
  it('a directory whose name has no file type', () => {
    const sub = mkdtempSync(join(dir, 'd-'));
    mkdirSync(join(sub, 'points'));
    const r = cli(['train', '--data', join(sub, 'points'), '--k', '2', '--out', join(sub, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([`webgpu-dec: ${join(sub, 'points')}: is a directory; pass a .npy, .csv or .idx file (optionally .gz)`]);
  });
  it('a .gz cut inside its first bytes', () => {
    expectBadInput([['x.npy.gz', gzipSync(points).subarray(0, 20)]], /x\.npy\.gz: the gzip stream is truncated or corrupt \(unexpected end of file\); download or compress/);
  });
  it('a .gz whose checksum is wrong: found at the end of the stream', () => {
    const gz = gzipSync(points);
    gz[gz.length - 8] ^= 0xff; // the CRC-32 of the trailer
    expectBadInput([['x.npy.gz', gz]], /x\.npy\.gz: the gzip stream is corrupt \(incorrect data check\); download or compress the file again$/);
  });
  it('NaN in a CSV', () => {
    expectBadInput([['x.csv', '1,2\n3,4\n5,nan\n']], /x\.csv: line 3, column 2: "nan" is not a finite number; drop or impute missing values first/);
  });
  it('NaN in the labels', () => {
    expectBadInput([['x.npy', points], ['y.npy', npy('<f8', [4], Buffer.from(new Float64Array([0, 1, NaN, 1]).buffer))]],
      /y\.npy: label at row 2 \(counting from 0\) is NaN; labels must be integer class ids/);
  });
  it('labels that are not integers', () => {
    expectBadInput([['x.npy', points], ['y.csv', 'label\n0\n1.5\n1\n1\n']], /y\.csv: label at line 3 is 1\.5; labels must be integer class ids/);
  });
  it('a label of -1 ("no label" elsewhere): refused, naming the file, the line and the value', () => {
    expectBadInput([['x.npy', points], ['y.csv', 'label\n0\n-1\n1\n1\n']],
      /^webgpu-dec: .*y\.csv: label at line 3 is -1; labels must be class ids from 0 to 2147483647 \(leave --labels out if some points have none\)$/);
  });
  it('a label past int32 (2³¹): refused, naming the row and the value', () => {
    const big = Buffer.alloc(32);
    [0, 2 ** 31, 1, 1].forEach((v, i) => big.writeBigInt64LE(BigInt(v), 8 * i));
    expectBadInput([['x.npy', points], ['y.npy', npy('<i8', [4], big)]],
      /^webgpu-dec: .*y\.npy: label at row 1 \(counting from 0\) is 2147483648; labels must be class ids from 0 to 2147483647/);
  });
  it('a label count that differs from the row count', () => {
    expectBadInput([['x.npy', points], ['y.npy', npy('<i8', [3], Buffer.alloc(24))]], /y\.npy: 3 labels for 4 points in .*x\.npy; pass the labels of that file/);
  });
  it('an unknown extension', () => {
    expectBadInput([['x.txt', '1,2\n3,4\n']], /x\.txt: unknown file type "\.txt"; convert the data to a \.npy, \.csv or \.idx file/);
  });
  it('--k 1', () => {
    // Tiny settings: should --k 1 get through, the test fails in seconds instead of training for minutes.
    expectBadInput([['x.npy', points]], /^webgpu-dec: --k must be at least 2; got 1$/,
      ['--k', '1', '--epochs', '1', '--dims', '2', '--max-iter', '1', '--kmeans-restarts', '1', '--raw-kmeans-restarts', '0']);
  });
  it('an unknown flag', () => {
    expectBadInput([['x.npy', points]], /^webgpu-dec: unknown flag --frobnicate; known: --data/, ['--frobnicate', '3']);
  });
  it('an unknown command', () => {
    const r = cli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('webgpu-dec: unknown command "frobnicate"; run "webgpu-dec help" for the list\n');
  });
});

/** A tiny model file (dims 3-2, k 2) as train writes it. */
function tinyModel(poison?: { tensor: string; at: number; value: number }): Buffer {
  const t = (shape: number[]) => ({ dtype: 'F32' as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) });
  const tensors: Record<string, ReturnType<typeof t>> = { 'encoder.0.weight': t([3, 2]), 'encoder.0.bias': t([2]), 'decoder.0.weight': t([2, 3]), 'decoder.0.bias': t([3]), centers: t([2, 2]) };
  if (poison) tensors[poison.tensor].data[poison.at] = poison.value;
  const meta = { format: 'webgpu-dec/2', dims: '[3,2]', d: '3', k: '2', alpha: '1', preprocess: '{"rule":"unit","factor":1}', image: 'null', preset: 'quick', seed: '0', adapter: 'test', version: '0' };
  return Buffer.from(encodeSafetensors(tensors, meta));
}

/** Runs a command that must fail on bad input: exit 2, one line matching `message`. */
function expectOneLine(args: string[], message: RegExp) {
  const r = cli(args);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.status, r.stderr).toBe(2);
  expect(lines[0]).toMatch(message);
}

describe('bad input to --out, --resume, predict and embed: one line, exit 2, nothing written', () => {
  it('more clusters than points', () => {
    expectBadInput([['x.npy', points]], /^webgpu-dec: --k 5 is more clusters than the 4 points; use a smaller --k or more data$/, ['--k', '5']);
  });
  it('an --out that cannot be written (under a regular file)', () => {
    const sub = mkdtempSync(join(dir, 'o-'));
    writeFileSync(join(sub, 'file'), 'x');
    expectOneLine(['train', '--data', 'mnist', '--out', join(sub, 'file', 'run')], /--out .*file\/run: .*file is a file, so the folder cannot be created; choose another --out$/);
    expect(readdirSync(sub)).toEqual(['file']);
  });
  it('a new run into a folder that holds an unfinished run', () => {
    const sub = mkdtempSync(join(dir, 'c-'));
    writeFileSync(join(sub, 'checkpoint.safetensors'), 'x');
    expectOneLine(['train', '--out', sub], /--out .* holds the checkpoint of an unfinished run: continue it with webgpu-dec train --resume /);
    expect(readdirSync(sub)).toEqual(['checkpoint.safetensors']);
  });
  it('--resume on a folder without a run in it', () => {
    const sub = mkdtempSync(join(dir, 'r-'));
    expectOneLine(['train', '--resume', sub], /--resume .*: no config\.json there; is it a run folder of webgpu-dec train\?$/);
  });
  it('--resume on a run folder without a checkpoint', () => {
    const sub = mkdtempSync(join(dir, 'r-'));
    writeFileSync(join(sub, 'config.json'), JSON.stringify({ format: 'webgpu-dec-config/1' }));
    expectOneLine(['train', '--resume', sub], /: no checkpoint\.safetensors to resume from; start the run without --resume$/);
    expect(readdirSync(sub)).toEqual(['config.json']);
  });
  it('--resume with other flags', () => {
    expectOneLine(['train', '--resume', dir, '--k', '3'], /^webgpu-dec: --resume continues the run as configured in its config\.json; drop --k$/);
    expectOneLine(['train', '--resume', dir, '--gpu-memory', '1G'], /^webgpu-dec: --resume continues the run as configured in its config\.json; drop --gpu-memory$/);
  });
  it("--resume's help names exactly the flags it takes", () => {
    const named = [...(trainFlags.resume.help.match(/--[a-z-]+/g) ?? [])];
    expect(named).toEqual(['--adapter', '--checkpoint-every', '--json']);
    expect(trainUsage).toContain('webgpu-dec train --resume DIR [--adapter N|NAME] [--checkpoint-every N|Mm] [--json]');
    for (const flag of named) {
      // Each is accepted: the folder, not the flag, is what fails (no config.json there).
      const sub = mkdtempSync(join(dir, 'h-'));
      const value = flag === '--json' ? [] : [flag === '--adapter' ? 'llvmpipe' : '10m'];
      const r = spawnSync(process.execPath, ['bin/webgpu-dec.js', 'train', '--resume', sub, flag, ...value], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr, flag).toMatch(/no config\.json there/);
    }
  });
  it('predict with a model whose input dimension differs from the data', () => {
    const sub = mkdtempSync(join(dir, 'p-'));
    writeFileSync(join(sub, 'model.safetensors'), tinyModel());
    writeFileSync(join(sub, 'x.npy'), points); // 2 columns, the model takes 3
    expectOneLine(['predict', '--model', join(sub, 'model.safetensors'), '--data', join(sub, 'x.npy'), '--out', join(sub, 'pred.csv')],
      /x\.npy: 2 columns, but the model .*model\.safetensors takes 3 inputs; pass data of the kind it was trained on$/);
    expect(readdirSync(sub).sort()).toEqual(['model.safetensors', 'x.npy']);
  });
  it('predict with a .gz over the GPU memory budget: refused from the header', () => {
    const sub = mkdtempSync(join(dir, 'p-'));
    writeFileSync(join(sub, 'model.safetensors'), tinyModel());
    writeFileSync(join(sub, 'x.npy.gz'), gzipSync(npy('<f4', [4, 3], f32(...Array.from({ length: 12 }, (_, i) => i)))));
    expectOneLine(['predict', '--model', join(sub, 'model.safetensors'), '--data', join(sub, 'x.npy.gz'), '--out', join(sub, 'pred.csv'), '--gpu-memory', '32'],
      /x\.npy\.gz: 4×3 values take 48 bytes as float32 on the GPU, more than the budget of 32 bytes \(--gpu-memory\); data over the budget are read at row offsets, which a \.gz has not/);
    expect(readdirSync(sub).sort()).toEqual(['model.safetensors', 'x.npy.gz']);
  });
  it('predict with a file that is not a model', () => {
    const sub = mkdtempSync(join(dir, 'p-'));
    writeFileSync(join(sub, 'x.npy'), points);
    expectOneLine(['predict', '--model', join(sub, 'x.npy'), '--data', join(sub, 'x.npy'), '--out', join(sub, 'pred.csv')], /x\.npy: /);
  });
  it.each([
    ['predict', 'encoder.0.weight', NaN],
    ['embed', 'centers', Infinity],
  ])('%s with a model whose %s holds %s: refused, naming the tensor', (command, tensor, value) => {
    const sub = mkdtempSync(join(dir, 'nan-'));
    writeFileSync(join(sub, 'model.safetensors'), tinyModel({ tensor, at: 3, value }));
    writeFileSync(join(sub, 'x.npy'), npy('<f4', [2, 3], f32(0, 1, 2, 3, 4, 5)));
    expectOneLine([command, '--model', join(sub, 'model.safetensors'), '--data', join(sub, 'x.npy'), '--out', join(sub, 'out')],
      new RegExp(`model\\.safetensors: tensor "${tensor.replace('.', '\\.')}" holds ${value} at element 3 of \\d+; the model is damaged or its training diverged; train it again$`));
    expect(readdirSync(sub).sort()).toEqual(['model.safetensors', 'x.npy']);
  });
  it('--resume from a checkpoint whose weights hold NaN: refused, naming the tensor', () => {
    const sub = mkdtempSync(join(dir, 'nan-'));
    const bad = { dtype: 'F32' as const, shape: [2], data: new Float32Array([0, NaN]) };
    const meta = { format: 'webgpu-dec-checkpoint/1', position: '{}', info: '{}', run: 'x' };
    writeFileSync(join(sub, 'checkpoint.safetensors'), Buffer.from(encodeSafetensors({ 'ae.encoder.0.bias': bad }, meta)));
    writeFileSync(join(sub, 'config.json'), JSON.stringify({ format: 'webgpu-dec-config/1' }));
    expectOneLine(['train', '--resume', sub], /checkpoint\.safetensors: tensor "ae\.encoder\.0\.bias" holds NaN at element 1 of 2; the checkpoint is damaged or its training diverged; train it again$/);
  });
  it('embed without --model', () => {
    expectOneLine(['embed', '--data', 'mnist', '--out', join(dir, 'z.npy')], /^webgpu-dec: embed needs --model; see webgpu-dec embed --help$/);
  });
});

describe('the launcher', () => {
  it("keeps Dawn's start-up warnings off stderr", () => {
    const r = cli(['info']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/vendor:/);
    expect(r.stderr).not.toMatch(/Warning:/);
  });
  it('a launcher killed with SIGKILL takes the command with it', async () => {
    const out = join(mkdtempSync(join(dir, 'kill-')), 'out');
    const p = spawn(process.execPath, ['bin/webgpu-dec.js', 'train', '--n', '300', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    // The command is running (a device open, training started) once it has printed its first line.
    await new Promise<void>((resolve, reject) => {
      p.stderr.on('data', (d: Buffer) => (d.toString().includes('webgpu-dec: ') ? resolve() : undefined));
      p.on('exit', () => reject(new Error('the launcher exited early')));
    });
    const children = readdirSync(`/proc/${p.pid}/task`).flatMap((t) => readFileSync(`/proc/${p.pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
    expect(children).toHaveLength(1);
    const child = Number(children[0]);
    p.kill('SIGKILL');
    // Gone, or a zombie nobody reaps (PID 1 in some containers): either way no longer running.
    const running = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${child}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 5000;
    while (running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(running(), `child ${child} still running after the launcher died`).toBe(false);
  });
});
