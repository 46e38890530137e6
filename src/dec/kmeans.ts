// k-means on the GPU: k-means++ seeding, Lloyd iterations (assignment and update kernels), several
// restarts, the run with the lowest inertia kept; empty clusters are re-seeded with the point
// farthest from its centre.
import { Uniform, type Kernel, type Runtime } from '../gpu/runtime.js';
import { makeRng, type Rng } from '../nn/init.js';
import { grid1d, kernels } from '../tensor/ops/kernels.js';

const ASSIGN: Kernel = { file: 'kmeans', entry: 'assign', bindings: ['uniform', 'read', 'read', 'rw', 'rw', 'rw'] };
const NEAREST: Kernel = { file: 'kmeans', entry: 'nearest_update', bindings: ['uniform', 'read', 'read', 'rw', 'rw', 'rw'] };
const UPDATE: Kernel = { file: 'kmeans', entry: 'update', bindings: ['uniform', 'read', 'read', 'rw', 'rw'] };

export interface KMeansOptions {
  k: number;
  restarts: number;
  maxIter?: number;
  seed: number;
  /** Stop a run when at most this many points change cluster in an iteration. */
  minChanged?: number;
}

export interface KMeansResult {
  centers: Float32Array; // [k, d]
  labels: Uint32Array; // [n]
  inertia: number;
  iterations: number;
}

/** Clusters the rows of `x` ([n, d], already on the GPU). */
export async function kmeans(rt: Runtime, x: GPUBuffer, n: number, d: number, opts: KMeansOptions): Promise<KMeansResult> {
  const { k, restarts, maxIter = 300, minChanged = 0 } = opts;
  if (k > n) throw new Error(`k-means: k = ${k} clusters but only ${n} points`);
  const rng = makeRng(`kmeans:${opts.seed}`);
  const c = rt.acquire(k * d * 4);
  const label = rt.acquire(n * 4);
  const dist = rt.acquire(n * 4);
  const stats = rt.acquire(16);
  const counts = rt.acquire(k * 4);
  const inertiaBuf = rt.acquire(4);
  const dims = new Uniform(4).u32(n).u32(d).u32(k).u32(0);
  let best: KMeansResult | null = null;
  try {
    for (let run = 0; run < restarts; run++) {
      await seedPlusPlus(rt, x, c, dist, stats, label, n, d, k, rng);
      let it = 0;
      for (; it < maxIter; it++) {
        rt.write(stats, new Uint32Array(4));
        rt.dispatch(ASSIGN, [dims, x, c, label, dist, stats], grid1d(n));
        rt.dispatch(UPDATE, [dims, x, label, c, counts], [Math.ceil(d / 64), k]);
        const [changed] = await rt.readU32(stats, 1);
        const sizes = await rt.readU32(counts, k);
        if (sizes.some((s) => s === 0)) {
          await reseedEmpty(rt, x, c, dist, sizes, n, d);
          continue;
        }
        if (changed <= minChanged && it > 0) break;
      }
      // Final assignment against the final centres, and its inertia Σ_i min_j ‖x_i − c_j‖².
      rt.dispatch(ASSIGN, [dims, x, c, label, dist, stats], grid1d(n));
      const u = new Uniform(4).u32(1).u32(n).f32(1).u32(0);
      rt.dispatch(kernels.sum_all, [u, dist, rt.scratch, inertiaBuf], [1], { MASK_B: false });
      const [inertia] = await rt.readF32(inertiaBuf, 1);
      if (!best || inertia < best.inertia) {
        best = { centers: await rt.readF32(c, k * d), labels: await rt.readU32(label, n), inertia, iterations: it + 1 };
      }
    }
  } finally {
    for (const b of [c, label, dist, stats, counts, inertiaBuf]) rt.release(b);
  }
  return best!;
}

/** k-means++: each next centre drawn with probability ∝ its squared distance to the nearest so far. */
async function seedPlusPlus(
  rt: Runtime,
  x: GPUBuffer,
  c: GPUBuffer,
  dist: GPUBuffer,
  stats: GPUBuffer,
  label: GPUBuffer,
  n: number,
  d: number,
  k: number,
  rng: Rng,
): Promise<void> {
  const pickRow = (row: number, j: number) => rt.copy(x, c, d * 4, row * d * 4, j * d * 4);
  pickRow(Math.floor(rng() * n), 0);
  rt.write(dist, new Float32Array(n).fill(Number.MAX_VALUE));
  rt.write(label, new Uint32Array(n).fill(0xffffffff));
  for (let j = 0; j < k; j++) {
    rt.dispatch(NEAREST, [new Uniform(4).u32(n).u32(d).u32(k).u32(j), x, c, label, dist, stats], grid1d(n));
    if (j === k - 1) break;
    const d2 = await rt.readF32(dist, n);
    let total = 0;
    for (const v of d2) total += v;
    let r = rng() * total;
    let row = n - 1;
    for (let i = 0; i < n; i++) {
      r -= d2[i];
      if (r < 0) {
        row = i;
        break;
      }
    }
    pickRow(row, j + 1);
  }
}

/** Moves each empty cluster's centre onto the point farthest from its own centre. */
async function reseedEmpty(rt: Runtime, x: GPUBuffer, c: GPUBuffer, dist: GPUBuffer, sizes: Uint32Array, n: number, d: number): Promise<void> {
  const d2 = await rt.readF32(dist, n);
  sizes.forEach((size, j) => {
    if (size !== 0) return;
    let far = 0;
    for (let i = 1; i < d2.length; i++) if (d2[i] > d2[far]) far = i;
    d2[far] = -1; // not the same point twice
    rt.copy(x, c, d * 4, far * d * 4, j * d * 4);
  });
}
