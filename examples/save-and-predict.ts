// Train on some points, keep the model in a file, load it back and use it on new points; then the
// run folder and its report. One device serves every call.
//   node save-and-predict.js [FOLDER]     writes into FOLDER (default: a new temporary folder)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cluster, embed, loadModel, openDevice, predict, readRunDir, saveModel, writeReport } from 'webgpu-dec';

const [k, d, perBlob] = [3, 6, 100];
let state = 7;
const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
const blobs = (n: number) => {
  const x = new Float32Array(n * d);
  const labels = Int32Array.from({ length: n }, (_, i) => i % k);
  for (let i = 0; i < n * d; i++) x[i] = (i % d === labels[Math.floor(i / d)] ? 3 : 0) + random() - 0.5;
  return { x, labels };
};
const train = blobs(k * perBlob);
const fresh = blobs(60);

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'webgpu-dec-example-'));
const device = await openDevice();
try {
  const settings = { d, k, seed: 1, dims: [16, 3], pretrainSteps: 200, maxIter: 200, updateInterval: 20 };
  const r = await cluster(train.x, { ...settings, labels: train.labels, out: join(dir, 'run'), device });
  const file = saveModel(r.model, join(dir, 'blobs.safetensors'));
  const model = loadModel(file);

  // The model reproduces training's assignments, and assigns points it has never seen.
  const again = await predict(model, train.x, { device });
  const same = again.assignments.every((c, i) => c === r.assignments[i]);
  const p = await predict(model, fresh.x, { labels: fresh.labels, device });
  const z = await embed(model, fresh.x, { device });
  const report = await writeReport(join(dir, 'run'), readRunDir(join(dir, 'run')));

  console.log(`training: ACC ${r.scores.dec!.acc.toFixed(3)}; predict on the training data reproduces it: ${same}`);
  console.log(`new points: ACC ${p.scores!.acc.toFixed(3)}; embedding ${z.length / model.meta.dims.at(-1)!} × ${model.meta.dims.at(-1)}`);
  console.log(`model ${file}; report ${report}`);
  if (!same || p.scores!.acc < 0.9) process.exitCode = 1;
} finally {
  device.destroy();
}
