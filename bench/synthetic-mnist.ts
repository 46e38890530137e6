// MNIST-shaped data of any size, for measuring runs larger than one storage binding: the 10,000
// bundled digits, then copies of them shifted by one pixel, each copy in another direction (no two
// rows equal up to 90,000 rows), written as IDX files (8-bit pixels, as MNIST's own files).
//   node dist/bench/synthetic-mnist.js OUTDIR [ROWS=70000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundledMnist } from '../src/data/mnist.js';

const SHIFTS = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1], [1, -1], [-1, 1]];

function idxHeader(type: number, dims: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return head;
}

export function syntheticMnist(rows: number): { images: Buffer; labels: Buffer } {
  const digits = loadBundledMnist();
  const pixels = Buffer.alloc(rows * 784);
  const labels = Buffer.alloc(rows);
  for (let r = 0; r < rows; r++) {
    const src = r % digits.n;
    const [dx, dy] = SHIFTS[Math.floor(r / digits.n) % SHIFTS.length];
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const [sx, sy] = [x - dx, y - dy];
        const v = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? digits.x![src * 784 + sy * 28 + sx] : 0;
        pixels[r * 784 + y * 28 + x] = Math.round(v * 255);
      }
    }
    labels[r] = digits.labels![src];
  }
  return { images: Buffer.concat([idxHeader(0x08, [rows, 28, 28]), pixels]), labels: Buffer.concat([idxHeader(0x08, [rows]), labels]) };
}

if (process.argv[1]?.endsWith('synthetic-mnist.js')) {
  const [dir = 'synthetic-mnist', rowsText = '70000'] = process.argv.slice(2);
  const rows = Number(rowsText);
  const { images, labels } = syntheticMnist(rows);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `images-${rows}-idx3-ubyte`), images);
  writeFileSync(join(dir, `labels-${rows}-idx1-ubyte`), labels);
  console.log(`wrote ${rows} MNIST-shaped rows to ${dir}/images-${rows}-idx3-ubyte and labels-${rows}-idx1-ubyte`);
}
