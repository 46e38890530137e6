// Deep Embedded Clustering of a Float32Array: four Gaussian blobs in 8 dimensions.
import { cluster } from 'webgpu-dec';

const [k, d, perBlob] = [4, 8, 100];
let state = 42;
const random = () => (state = (state * 16807) % 2147483647) / 2147483647; // seeded, reproducible
const x = new Float32Array(k * perBlob * d); // row-major: point i is x[i*d … i*d+d-1]
const labels = new Int32Array(k * perBlob);
for (let i = 0; i < k * perBlob; i++) {
  labels[i] = i % k; // blob j: 3 along axis j, noise ±0.5 everywhere
  for (let t = 0; t < d; t++) x[i * d + t] = (t === labels[i] ? 3 : 0) + random() - 0.5;
}

// Small settings that run in seconds even on a CPU adapter (the defaults suit 784-pixel digits).
const r = await cluster(x, { d, k, labels, seed: 0, dims: [32, 32, 4], pretrainSteps: 300, maxIter: 300, updateInterval: 20 });

const sizes = Array.from({ length: k }, (_, j) => r.assignments.filter((c) => c === j).length);
const { acc, nmi } = r.scores.dec!;
console.log(`clusters of ${sizes.join(', ')} points; ACC ${acc.toFixed(3)}, NMI ${nmi.toFixed(3)} after ${r.iterations} DEC iterations`);
if (acc < 0.9) process.exit(1); // well-separated blobs: less is a failure
