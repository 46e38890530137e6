// k-means on the GPU: k-means++ seeding, Lloyd iterations (assignment and update kernels), several
// restarts, the run with the lowest inertia kept; empty clusters are re-seeded with the point
// farthest from its centre. Distances and cluster sums go through matrix products (shaders/
// kmeans.wgsl), block by block over the points (which may span several chunks: data larger than
// one binding).
import type { Uniform, Runtime } from '../gpu/runtime.js';
import { makeRng, type Rng } from '../random/rng.js';
import type { Block, RowSource } from '../tensor/index.js';
import { defineFamily, grid1d } from '../gpu/registry.js';
import { reduceFamily } from '../tensor/ops/reduce.js';
import { primitive } from '../tensor/ops/primitives.js';
import { matmulInto } from '../tensor/ops/matmul.js';
import { sumRowsRaw } from '../tensor/ops/reduce.js';

/** shaders/kmeans.wgsl. */
export const kmeansFamily = defineFamily(
  'kmeans',
  {
    nearest_update: ['uniform', 'read', 'read', 'rw', 'rw', 'rw'],
    row_norms: ['uniform', 'read', 'rw'],
    assign_dots: ['uniform', 'read', 'read', 'read', 'rw', 'rw', 'rw'],
    one_hot: ['uniform', 'read', 'rw'],
    update_finish: ['uniform', 'read', 'read', 'rw'],
  },
  { n: 'u32', d: 'u32', k: 'u32', j: 'u32', offset: 'u32', pad0: 'u32', pad1: 'u32', pad2: 'u32' },
);

/** Lloyd iterations per restart at most (scikit-learn's default). */
export const KMEANS_MAX_ITER = 300;

/** k-means settings: k clusters, `restarts` seeded k-means++ starts (the lowest inertia kept). */
export interface KMeansOptions {
  k: number;
  restarts: number;
  maxIter?: number;
  seed: number;
  /** Stop a run when at most this many points change cluster in an iteration. */
  minChanged?: number;
  /** Called after every Lloyd iteration: restart, iteration, points that changed cluster. */
  onIteration?: (restart: number, iteration: number, changed: number) => void;
}

/** The best restart's centres ([k, d]), labels ([n]), inertia and iterations. */
export interface KMeansResult {
  centers: Float32Array; // [k, d]
  labels: Uint32Array; // [n]
  inertia: number;
  iterations: number;
}

const { nearest_update: NEAREST, row_norms: ROW_NORMS, assign_dots: ASSIGN, one_hot: ONE_HOT, update_finish: UPDATE } = kmeansFamily.kernels;

/**
 * The GPU buffers of one k-means run over `x`, and its dispatches. A Lloyd iteration goes over the
 * points in x's blocks (fixed global positions, never straddling a chunk) and adds the per-block
 * sums in block order: the result does not depend on how the points are chunked.
 */
class Lloyd {
  readonly c: GPUBuffer; // [k, d] centres
  readonly label: GPUBuffer; // [n]
  readonly dist: GPUBuffer; // [n] squared distance to the own centre
  readonly xnorm: GPUBuffer; // [n] ‖x_i‖², once
  readonly cnorm: GPUBuffer; // [k] ‖c_j‖², per iteration
  readonly stats: GPUBuffer;
  readonly sums: GPUBuffer; // [k, d] Σ of each cluster's points, added up block after block
  readonly counts: GPUBuffer; // [k] cluster sizes, the same way (f32: exact up to 2^24 points a cluster)
  readonly n: number;
  readonly d: number;
  readonly blocks: Block[];

  constructor(
    readonly rt: Runtime,
    readonly x: RowSource,
    readonly k: number,
  ) {
    [this.n, this.d, this.blocks] = [x.rows, x.cols, x.blocks()];
    const acquire = (floats: number) => rt.acquire(floats * 4);
    [this.c, this.cnorm, this.counts, this.stats] = [acquire(k * this.d), acquire(k), acquire(k), acquire(4)];
    [this.label, this.dist, this.xnorm] = [acquire(this.n), acquire(this.n), acquire(this.n)];
    this.sums = acquire(k * this.d);
  }

  /** ‖x_i‖² of every point, once (a pass over the data). */
  norms(): Promise<void> {
    return this.perBlock((b, xb) => this.rt.dispatch(ROW_NORMS, [this.params(b.rows, b.start), xb, this.xnorm], grid1d(b.rows)));
  }

  /** Runs `fn` on each block's rows, copied into a buffer of their own (a pass in block order). */
  private async perBlock(fn: (b: Block, xb: GPUBuffer, i: number) => void): Promise<void> {
    for (const [i, b] of this.blocks.entries()) {
      const xb = this.rt.acquire(b.rows * this.d * 4);
      this.x.copyOut(b.start, b.rows, xb, 0);
      fn(b, xb, i);
      this.rt.release(xb);
      this.rt.flush(); // the block's buffers go back to the pool
      await this.x.ready();
    }
  }

  private params(rows: number, offset: number, j = 0): Uniform {
    return kmeansFamily.params({ n: rows, d: this.d, k: this.k, j, offset });
  }

  /**
   * label, dist for every point against the current centres (stats[0] counts the changes); with
   * `update`, then the new centres (means of their points; empty clusters keep theirs) and counts.
   */
  async pass(update: boolean): Promise<void> {
    const { rt, k, d } = this;
    rt.dispatch(ROW_NORMS, [this.params(k, 0), this.c, this.cnorm], grid1d(k));
    await this.perBlock((b, xb, i) => {
      const g = rt.acquire(b.rows * k * 4);
      matmulInto(rt, xb, this.c, g, b.rows, k, d, { transB: true }); // G = X Cᵀ
      rt.dispatch(ASSIGN, [this.params(b.rows, b.start), g, this.xnorm, this.cnorm, this.label, this.dist, this.stats], grid1d(b.rows));
      if (update) {
        const h = g; // G is spent: the one-hot labels H take its place
        rt.dispatch(ONE_HOT, [this.params(b.rows, b.start), this.label, h], grid1d(b.rows));
        const s = rt.acquire(k * d * 4);
        matmulInto(rt, h, xb, s, k, d, b.rows, { transA: true }); // each cluster's sum over the block: Hᵀ X
        this.add(s, this.sums, k * d, i === 0);
        sumRowsRaw(rt, h, b.rows, k, 1, s); // its sizes
        this.add(s, this.counts, k, i === 0);
        rt.release(s);
      }
      rt.release(g);
    });
    if (update) rt.dispatch(UPDATE, [this.params(k, 0), this.sums, this.counts, this.c], [Math.ceil(d / 64), k]);
  }

  /** total = part (the first block) or total += part: the same additions in block order, however chunked. */
  private add(part: GPUBuffer, total: GPUBuffer, n: number, first: boolean): void {
    if (first) this.rt.copy(part, total, n * 4);
    else primitive(this.rt, 'axpy', n, n, 1, 0, [part, this.rt.scratch], total);
  }

  /** dist = min(dist, distance to centre j), for k-means++. */
  nearest(j: number): Promise<void> {
    return this.perBlock((b, xb) => this.rt.dispatch(NEAREST, [this.params(b.rows, b.start, j), xb, this.c, this.label, this.dist, this.stats], grid1d(b.rows)));
  }

  /** Copies point `row` into centre j. */
  pick(row: number, j: number): void {
    this.x.copyOut(row, 1, this.c, j);
  }

  dispose(): void {
    for (const b of [this.c, this.cnorm, this.counts, this.stats, this.label, this.dist, this.xnorm, this.sums]) this.rt.release(b);
  }
}

/** Clusters the rows of `x` (on the GPU). */
export async function kmeans(rt: Runtime, x: RowSource, opts: KMeansOptions): Promise<KMeansResult> {
  const { k, restarts, maxIter = KMEANS_MAX_ITER, minChanged = 0 } = opts;
  const n = x.rows;
  if (k > n) throw new Error(`k-means: k = ${k} clusters but only ${n} points`);
  const rng = makeRng(`kmeans:${opts.seed}`);
  const run = new Lloyd(rt, x, k);
  const inertiaBuf = rt.acquire(4);
  let best: KMeansResult | null = null;
  try {
    await run.norms();
    for (let r = 0; r < restarts; r++) {
      await seedPlusPlus(run, rng);
      let it = 0;
      for (; it < maxIter; it++) {
        rt.write(run.stats, new Uint32Array(4));
        await run.pass(true);
        const [changed] = await rt.readU32(run.stats, 1);
        const sizes = await rt.readF32(run.counts, k);
        opts.onIteration?.(r, it, changed);
        if (sizes.some((s) => s === 0)) {
          await reseedEmpty(run, sizes);
          continue;
        }
        if (changed <= minChanged && it > 0) break;
      }
      // Final assignment against the final centres, and its inertia Σ_i min_j ‖x_i − c_j‖².
      await run.pass(false);
      const u = reduceFamily.params({ rows: 1, cols: n, alpha: 1 });
      rt.dispatch(reduceFamily.kernels.sum_all, [u, run.dist, rt.scratch, inertiaBuf], [1], { MASK_B: false });
      const [inertia] = await rt.readF32(inertiaBuf, 1);
      if (!best || inertia < best.inertia) {
        best = { centers: await rt.readF32(run.c, k * x.cols), labels: await rt.readU32(run.label, n), inertia, iterations: Math.min(it + 1, maxIter) };
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
    await run.nearest(j);
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
async function reseedEmpty(run: Lloyd, sizes: Float32Array): Promise<void> {
  const d2 = await run.rt.readF32(run.dist, run.n);
  sizes.forEach((size, j) => {
    if (size !== 0) return;
    let far = 0;
    for (let i = 1; i < d2.length; i++) if (d2[i] > d2[far]) far = i;
    d2[far] = -1; // not the same point twice
    run.pick(far, j);
  });
}
