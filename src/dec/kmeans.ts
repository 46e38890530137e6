// k-means on the GPU: k-means++ seeding, Lloyd iterations (assignment and update kernels), several
// restarts, the run with the lowest inertia kept; empty clusters are re-seeded with the point
// farthest from its centre. The points may span several chunks (data larger than one binding):
// each kernel runs once per chunk, and the result is the same as with one chunk.
import { Uniform, type Kernel, type Runtime } from '../gpu/runtime.js';
import { makeRng, type Rng } from '../nn/init.js';
import type { ChunkedRows } from '../tensor/index.js';
import { grid1d, kernels } from '../tensor/ops/kernels.js';

const bindings = ['uniform', 'read', 'read', 'rw', 'rw', 'rw'] as const;
const ASSIGN: Kernel = { file: 'kmeans', entry: 'assign', bindings };
const NEAREST: Kernel = { file: 'kmeans', entry: 'nearest_update', bindings };
const UPDATE_SUMS: Kernel = { file: 'kmeans', entry: 'update_sums', bindings: ['uniform', 'read', 'read', 'rw', 'rw'] };
const UPDATE_FINISH: Kernel = { file: 'kmeans', entry: 'update_finish', bindings: ['uniform', 'read', 'read', 'rw'] };

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

/** The GPU buffers of one k-means run over `x`, and its per-chunk dispatches. */
class Lloyd {
  readonly c: GPUBuffer;
  readonly label: GPUBuffer;
  readonly dist: GPUBuffer;
  readonly stats: GPUBuffer;
  readonly sums: GPUBuffer;
  readonly counts: GPUBuffer;
  readonly n: number;
  readonly d: number;

  constructor(
    readonly rt: Runtime,
    readonly x: ChunkedRows,
    readonly k: number,
  ) {
    [this.n, this.d] = [x.rows, x.cols];
    [this.c, this.sums] = [rt.acquire(k * this.d * 4), rt.acquire(k * this.d * 4)];
    [this.label, this.dist] = [rt.acquire(this.n * 4), rt.acquire(this.n * 4)];
    [this.stats, this.counts] = [rt.acquire(16), rt.acquire(k * 4)];
  }

  private params(chunk: number, j = 0): Uniform {
    const { rowsPerChunk } = this.x.plan;
    return new Uniform(8).u32(this.x.chunkRows(chunk)).u32(this.d).u32(this.k).u32(j).u32(chunk * rowsPerChunk).u32(chunk === 0 ? 1 : 0);
  }

  /** label, dist for every point against the current centres; stats[0] counts the changes. */
  assign(): void {
    this.x.chunks.forEach((xc, i) => this.rt.dispatch(ASSIGN, [this.params(i), xc, this.c, this.label, this.dist, this.stats], grid1d(this.x.chunkRows(i))));
  }

  /** dist = min(dist, distance to centre j), for k-means++. */
  nearest(j: number): void {
    this.x.chunks.forEach((xc, i) => this.rt.dispatch(NEAREST, [this.params(i, j), xc, this.c, this.label, this.dist, this.stats], grid1d(this.x.chunkRows(i))));
  }

  /** Centres = means of their points (empty clusters keep theirs); counts = cluster sizes. */
  update(): void {
    const groups: [number, number] = [Math.ceil(this.d / 64), this.k];
    this.x.chunks.forEach((xc, i) => this.rt.dispatch(UPDATE_SUMS, [this.params(i), xc, this.label, this.sums, this.counts], groups));
    this.rt.dispatch(UPDATE_FINISH, [this.params(0), this.sums, this.counts, this.c], groups);
  }

  /** Copies point `row` into centre j. */
  pick(row: number, j: number): void {
    this.x.copyOut(row, 1, this.c, j);
  }

  dispose(): void {
    for (const b of [this.c, this.sums, this.label, this.dist, this.stats, this.counts]) this.rt.release(b);
  }
}

/** Clusters the rows of `x` (on the GPU). */
export async function kmeans(rt: Runtime, x: ChunkedRows, opts: KMeansOptions): Promise<KMeansResult> {
  const { k, restarts, maxIter = 300, minChanged = 0 } = opts;
  const n = x.rows;
  if (k > n) throw new Error(`k-means: k = ${k} clusters but only ${n} points`);
  const rng = makeRng(`kmeans:${opts.seed}`);
  const run = new Lloyd(rt, x, k);
  const inertiaBuf = rt.acquire(4);
  let best: KMeansResult | null = null;
  try {
    for (let r = 0; r < restarts; r++) {
      await seedPlusPlus(run, rng);
      let it = 0;
      for (; it < maxIter; it++) {
        rt.write(run.stats, new Uint32Array(4));
        run.assign();
        run.update();
        const [changed] = await rt.readU32(run.stats, 1);
        const sizes = await rt.readU32(run.counts, k);
        if (sizes.some((s) => s === 0)) {
          await reseedEmpty(run, sizes);
          continue;
        }
        if (changed <= minChanged && it > 0) break;
      }
      // Final assignment against the final centres, and its inertia Σ_i min_j ‖x_i − c_j‖².
      run.assign();
      const u = new Uniform(4).u32(1).u32(n).f32(1).u32(0);
      rt.dispatch(kernels.sum_all, [u, run.dist, rt.scratch, inertiaBuf], [1], { MASK_B: false });
      const [inertia] = await rt.readF32(inertiaBuf, 1);
      if (!best || inertia < best.inertia) {
        best = { centers: await rt.readF32(run.c, k * x.cols), labels: await rt.readU32(run.label, n), inertia, iterations: it + 1 };
      }
    }
  } finally {
    run.dispose();
    rt.release(inertiaBuf);
  }
  return best!;
}

/** k-means++: each next centre drawn with probability ∝ its squared distance to the nearest so far. */
async function seedPlusPlus(run: Lloyd, rng: Rng): Promise<void> {
  const { rt, n, k } = run;
  run.pick(Math.floor(rng() * n), 0);
  rt.write(run.dist, new Float32Array(n).fill(Number.MAX_VALUE));
  rt.write(run.label, new Uint32Array(n).fill(0xffffffff));
  for (let j = 0; j < k; j++) {
    run.nearest(j);
    if (j === k - 1) break;
    const d2 = await rt.readF32(run.dist, n);
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
    run.pick(row, j + 1);
  }
}

/** Moves each empty cluster's centre onto the point farthest from its own centre. */
async function reseedEmpty(run: Lloyd, sizes: Uint32Array): Promise<void> {
  const d2 = await run.rt.readF32(run.dist, run.n);
  sizes.forEach((size, j) => {
    if (size !== 0) return;
    let far = 0;
    for (let i = 1; i < d2.length; i++) if (d2[i] > d2[far]) far = i;
    d2[far] = -1; // not the same point twice
    run.pick(far, j);
  });
}
