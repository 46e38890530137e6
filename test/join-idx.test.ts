// scripts/join-idx.mjs: IDX parts joined along their first dimension (a data set's train and t10k
// files into one), read back by the data readers; parts that do not match: one line, exit 2.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readMatrix } from '../src/data/formats/open.js';

function idx(dims: number[], values: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(values)]);
}
const join_ = (args: string[]) => spawnSync(process.execPath, ['scripts/join-idx.mjs', ...args], { encoding: 'utf8' });

describe('scripts/join-idx.mjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'join-idx-'));
  it('joins a gzipped and a plain part into one .gz the readers take, rows in order', async () => {
    writeFileSync(join(dir, 'a.idx3-ubyte.gz'), gzipSync(idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])));
    writeFileSync(join(dir, 'b.idx3-ubyte'), idx([1, 2, 2], [9, 10, 11, 12]));
    const r = join_([join(dir, 'all.idx3-ubyte.gz'), join(dir, 'a.idx3-ubyte.gz'), join(dir, 'b.idx3-ubyte')]);
    expect(r.status, r.stderr).toBe(0);
    const m = await readMatrix(join(dir, 'all.idx3-ubyte.gz'));
    expect({ rows: m.rows, cols: m.cols, image: m.image }).toEqual({ rows: 3, cols: 4, image: [2, 2] });
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
  it('refuses parts whose rows differ in shape: one line, exit 2, nothing written', () => {
    writeFileSync(join(dir, 'labels.idx1-ubyte'), idx([2], [0, 1]));
    const r = join_([join(dir, 'bad.idx'), join(dir, 'b.idx3-ubyte'), join(dir, 'labels.idx1-ubyte')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/labels\.idx1-ubyte: type 0x8, rows of one value; .*b\.idx3-ubyte has 0x8, 2×2: they cannot be joined/);
    expect(existsSync(join(dir, 'bad.idx'))).toBe(false);
  });
});
