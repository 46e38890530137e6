// The assignment pass: for any data and any model (an encoder and centres μ), in blocks of rows,
//   q_ij (eq. 1), f_j = Σ_i q_ij, the hard assignment argmax_j q_ij, the confidence max_j q_ij,
//   and where asked the target p (eq. 3, from this data's own q and f) and the KL loss (eq. 2).
// DEC's target update, `predict` and a validation loss all call it; nothing else computes q over a
// data set.
import type { Runtime } from '../gpu/runtime.js';
import type { Autoencoder } from '../nn/autoencoder.js';
import { ChunkedRows, empty, type RowSource, noGrad, tidy, type Tensor } from '../tensor/index.js';
import { reduceFamily } from '../tensor/ops/reduce.js';
import { sumRowsRaw } from '../tensor/ops/reduce.js';
import { klRowsInto, softAssignInto, targetFromF } from './dec-ops.js';

/** What the assignment pass computes besides the hard assignments and f. */
export interface AssignOptions {
  /** Write p, computed from this data's own q and f, here ([n, k], the rows of x): DEC's target. */
  target?: ChunkedRows;
  /** Also return max_j q_ij per point (reads q back). */
  confidence?: boolean;
  /** The mean KL(P‖Q) per point against this p, or 'own' for p from this data's own q. */
  kl?: ChunkedRows | 'own';
}

/** The result of the assignment pass over n points and k clusters. */
export interface Assignment {
  hard: Uint32Array; // [n] argmax_j q_ij
  confidence?: Float32Array; // [n] max_j q_ij
  f: Float32Array; // [k] soft cluster frequencies
  kl?: number; // (1/n) Σ_i Σ_j p_ij log(p_ij / q_ij)
}

/** The model the pass needs: an encoder, the centres μ ([k, d_z] on the GPU), α. */
export interface AssignModel {
  ae: Autoencoder;
  mu: GPUBuffer;
  k: number;
  alpha: number;
}

/** The sum of `count` floats of `src` into out[at] (one workgroup; deterministic order). */
function sumInto(rt: Runtime, src: GPUBuffer, count: number, out: GPUBuffer, at: number, scale = 1): void {
  const s = empty(rt, 1, 1);
  rt.dispatch(reduceFamily.kernels.sum_all, [reduceFamily.params({ rows: 1, cols: count, alpha: scale }), src, rt.scratch, s.buffer], [1], { MASK_B: false });
  rt.copy(s.buffer, out, 4, 0, at * 4);
  s.dispose();
}

/** Pass 1: q for every block (kept), and f = Σ over the blocks' column sums. */
async function softAssignAll(rt: Runtime, m: AssignModel, x: RowSource, q: ChunkedRows): Promise<Tensor> {
  const blocks = x.blocks();
  const parts = empty(rt, blocks.length, m.k);
  for (const [i, b] of blocks.entries()) {
    tidy(() =>
      noGrad(() => {
        const z = m.ae.encode(x.block(b)); // padded to the block size; only its first b.rows rows count
        const [qb, wb] = [empty(rt, b.rows, m.k), empty(rt, b.rows, m.k)];
        softAssignInto(rt, z.buffer, m.mu, b.rows, z.cols, m.k, m.alpha, qb.buffer, wb.buffer);
        q.copyIn(qb.buffer, b.start, b.rows);
        const fb = empty(rt, 1, m.k);
        sumRowsRaw(rt, qb.buffer, b.rows, m.k, 1, fb.buffer);
        rt.copy(fb.buffer, parts.buffer, m.k * 4, 0, i * m.k * 4);
      }),
    );
    rt.flush(); // a block's activations go back to the pool before the next
    await x.ready();
  }
  const f = empty(rt, 1, m.k);
  sumRowsRaw(rt, parts.buffer, blocks.length, m.k, 1, f.buffer);
  parts.dispose();
  return f;
}

/** Runs the pass over the rows of x (see the file's comment). */
export async function assign(rt: Runtime, m: AssignModel, x: RowSource, o: AssignOptions = {}): Promise<Assignment> {
  const q = new ChunkedRows(rt, x.plan, m.k);
  const blocks = x.blocks();
  const f = await softAssignAll(rt, m, x, q);
  const klParts = o.kl ? rt.acquire(blocks.length * 4) : null;
  const reads: Promise<Uint32Array>[] = [];
  try {
    for (const [i, b] of blocks.entries()) {
      const qb = q.slice(b.start, b.rows);
      const pb = empty(rt, b.rows, m.k);
      const hb = empty(rt, b.rows, 1);
      targetFromF(rt, qb.buffer, b.rows, m.k, f.buffer, pb.buffer, hb.buffer);
      o.target?.copyIn(pb.buffer, b.start, b.rows);
      if (klParts) {
        const against = o.kl === 'own' ? pb : o.kl!.slice(b.start, b.rows);
        const rows = empty(rt, b.rows, 1);
        klRowsInto(rt, against.buffer, qb.buffer, b.rows, m.k, rows.buffer);
        sumInto(rt, rows.buffer, b.rows, klParts, i);
        for (const t of new Set([against, rows])) t.dispose();
      }
      reads.push(rt.readU32(hb.buffer, b.rows)); // flushes
      for (const t of [qb, pb, hb]) t.dispose();
    }
    const hard = new Uint32Array(x.rows);
    for (const [i, b] of blocks.entries()) hard.set(await reads[i], b.start);
    const out: Assignment = { hard, f: await f.toArray() };
    if (klParts) {
      const total = empty(rt, 1, 1);
      sumInto(rt, klParts, blocks.length, total.buffer, 0, 1 / x.rows);
      [out.kl] = await total.toArray();
      total.dispose();
    }
    if (o.confidence) {
      const qs = await q.read();
      out.confidence = Float32Array.from(hard, (j, i) => qs[i * m.k + j]);
    }
    return out;
  } finally {
    q.dispose();
    f.dispose();
    if (klParts) rt.release(klParts);
  }
}

/** z = encoder(x) for all rows, in blocks (no gradients): [n, d_z], chunked like x. */
export async function encodeAll(ae: Autoencoder, x: RowSource): Promise<ChunkedRows> {
  const z = new ChunkedRows(x.rt, x.plan, ae.dims[ae.dims.length - 1]);
  for (const b of x.blocks()) {
    tidy(() => noGrad(() => z.copyIn(ae.encode(x.block(b)).buffer, b.start, b.rows)));
    x.rt.flush();
    await x.ready();
  }
  return z;
}
