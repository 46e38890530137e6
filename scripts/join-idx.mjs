#!/usr/bin/env node
// Joins IDX files (MNIST's format, .gz or not) along their first dimension, e.g. a data set's
// train and t10k parts into one file of all its images (and, run again, its labels):
//
//   node scripts/join-idx.mjs fashion-70k-images.idx3-ubyte.gz \
//     /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
//
// The parts must have the same type and the same dimensions after the first. The output is
// gzip-compressed where its name ends in .gz, written to a temporary name and renamed. Bad input:
// one line on stderr, exit 2.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

function fail(message) {
  process.stderr.write(`join-idx: ${message}\n`);
  process.exit(2);
}

const [out, ...parts] = process.argv.slice(2);
if (!out || parts.length < 2) fail('usage: node scripts/join-idx.mjs OUT.idx[.gz] PART1.idx[.gz] PART2.idx[.gz] ...');

const read = (file) => {
  let raw;
  try {
    raw = readFileSync(file);
  } catch (e) {
    fail(`${file}: cannot read it (${e.code ?? e.message})`);
  }
  const buf = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || buf[3] === 0) fail(`${file}: not an IDX file (bad magic)`);
  const ndim = buf[3];
  const dims = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { file, type: buf[2], dims, data: buf.subarray(4 + 4 * ndim) };
};

const files = parts.map(read);
const [first] = files;
for (const f of files.slice(1)) {
  if (f.type !== first.type || f.dims.slice(1).join('×') !== first.dims.slice(1).join('×')) {
    fail(`${f.file}: type 0x${f.type.toString(16)}, rows of ${f.dims.slice(1).join('×') || 'one value'}; ${first.file} has 0x${first.type.toString(16)}, ${first.dims.slice(1).join('×') || 'one value'}: they cannot be joined`);
  }
}
const rows = files.reduce((s, f) => s + f.dims[0], 0);
const head = Buffer.alloc(4 + 4 * first.dims.length);
head[2] = first.type;
head[3] = first.dims.length;
[rows, ...first.dims.slice(1)].forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
let body = Buffer.concat([head, ...files.map((f) => f.data)]);
if (/\.gz$/i.test(out)) body = gzipSync(body);
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, body);
renameSync(tmp, out);
process.stderr.write(`join-idx: ${out}: ${rows} rows of ${first.dims.slice(1).join('×') || 'one value'} from ${parts.length} files\n`);
