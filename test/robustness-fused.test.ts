// The fused kernels (DEC, k-means, t-SNE) without Dawn's bounds checks, as robustness.test.ts does
// for the engine's kernels: edge shapes (one point, one dimension, one cluster, partial workgroups
// and tiles) against float64 references, a sentinel past (and, for outputs written from an offset,
// before) every output, NaN past every input.
import { afterEach, describe, expect, it } from 'vitest';
import { klRowsInto, softAssignInto, targetInto } from '../src/dec/dec-ops.js';
import { kmeans } from '../src/kmeans/kmeans.js';
import { grid1d, kernels, params as packParams } from '../src/gpu/kernels.js';
import { ChunkedRows, planRows } from '../src/tensor/index.js';
import { affinitiesInto, conditionalAffinitiesInto, squaredDistancesInto, sumInto } from '../src/tsne/tsne.js';
import { randomArray, useRuntime } from './helpers.js';
import { Guarded } from './sentinel.js';

const rt = useRuntime();
let g: Guarded;
afterEach(() => g?.release());
const guarded = () => (g = new Guarded(rt()));
const close = { atol: 1e-6, rtol: 1e-5 };

/** Σ_t (x[i, t] − y[j, t])² in float64. */
function sqDist(x: ArrayLike<number>, i: number, y: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) s += (x[i * d + t] - y[j * d + t]) ** 2;
  return s;
}

describe('DEC kernels at edge shapes', () => {
  // [n, d, k]: one point, one dimension, one cluster; partial workgroups of 64 (points, and the
  // dimensions of ∂L/∂μ's grid).
  it.each([
    [1, 1, 1],
    [1, 65, 3],
    [65, 1, 1],
    [65, 3, 10],
    [7, 65, 2],
    [130, 2, 3],
  ])('q, w, f, p, hard, the KL rows, the loss and both gradients for n=%i, d=%i, k=%i; nothing written past them', async (n, d, k) => {
    guarded();
    const alpha = 1;
    const z = randomArray(n * d, `dz${n}${d}`, -2, 2);
    const mu = randomArray(k * d, `dmu${k}${d}`, -2, 2);
    const [zb, mub] = [g.input(z), g.input(mu)];
    const [q, w, f, p, rows, loss, dz, dmu] = [g.output(n * k), g.output(n * k), g.output(k), g.output(n * k), g.output(n), g.output(1), g.output(n * d), g.output(k * d)];
    const hard = g.outputU32(n);
    softAssignInto(rt(), zb, mub, n, d, k, alpha, q, w);
    targetInto(rt(), q, n, k, f, p, hard);
    klRowsInto(rt(), p, q, n, k, rows);
    // The loss and gradient kernels with klLoss's bindings and grids; upstream gradient 2, scale 1/n.
    const u = packParams('dec', { n, d, k, alpha, scale: 1 / n });
    rt().dispatch(kernels.dec.kl_loss, [u, zb, mub, p, q, w, rt().scratch, loss], [1]);
    const up = g.input([2]);
    rt().dispatch(kernels.dec.kl_grad_z, [u, zb, mub, p, q, w, up, dz], grid1d(n));
    rt().dispatch(kernels.dec.kl_grad_mu, [u, zb, mub, p, q, w, up, dmu], [Math.ceil(d / 64), k]);

    // Eqs. (1) and (3) in float64.
    const wRef = new Float64Array(n * k);
    const qRef = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let j = 0; j < k; j++) {
        wRef[i * k + j] = 1 / (1 + sqDist(z, i, mu, j, d) / alpha);
        qRef[i * k + j] = wRef[i * k + j] ** ((alpha + 1) / 2);
        total += qRef[i * k + j];
      }
      for (let j = 0; j < k; j++) qRef[i * k + j] /= total;
    }
    const qs = await g.expectF32(q, qRef, close, 'q');
    await g.expectF32(w, wRef, close, 'w');
    const fRef = new Float64Array(k);
    qs.forEach((v, e) => (fRef[e % k] += v));
    await g.expectF32(f, fRef, { atol: 1e-5, rtol: 1e-5 }, 'f');
    const pRef = new Float64Array(n * k);
    const hardRef = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let j = 0; j < k; j++) total += qs[i * k + j] ** 2 / fRef[j];
      for (let j = 0; j < k; j++) {
        pRef[i * k + j] = qs[i * k + j] ** 2 / fRef[j] / total;
        if (qs[i * k + j] > qs[i * k + hardRef[i]]) hardRef[i] = j;
      }
    }
    const ps = await g.expectF32(p, pRef, close, 'p');
    await g.expectU32(hard, hardRef, 'hard');
    // Eq. (2) per row, eqs. (4) and (5), from the kernels' own p and q.
    const rowRef = new Float64Array(n);
    const dzRef = new Float64Array(n * d);
    const dmuRef = new Float64Array(k * d);
    const c = (2 * (1 / n) * (alpha + 1)) / alpha;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < k; j++) {
        const e = i * k + j;
        if (ps[e] > 0) rowRef[i] += ps[e] * Math.log(ps[e] / qs[e]);
        for (let t = 0; t < d; t++) {
          const term = wRef[e] * (ps[e] - qs[e]) * (z[i * d + t] - mu[j * d + t]);
          dzRef[i * d + t] += c * term;
          dmuRef[j * d + t] -= c * term;
        }
      }
    await g.expectF32(rows, rowRef, { atol: 1e-5, rtol: 1e-4 }, 'KL rows');
    await g.expectF32(loss, [rowRef.reduce((a, v) => a + v, 0) / n], { atol: 1e-5, rtol: 1e-4 }, 'KL loss');
    await g.expectF32(dz, dzRef, { atol: 1e-5, rtol: 1e-4 }, '∂L/∂z');
    await g.expectF32(dmu, dmuRef, { atol: 1e-5, rtol: 1e-4 }, '∂L/∂μ');
  });
});

describe('k-means kernels at edge shapes', () => {
  const params = (n: number, d: number, k: number, j: number, offset: number) => packParams('kmeans', { n, d, k, j, offset });
  // [n, d, k, offset]: a chunk of n points whose per-point outputs start at `offset`.
  it.each([
    [1, 1, 1, 0],
    [65, 3, 2, 7],
    [7, 65, 3, 1],
    [130, 1, 5, 3],
  ])('row norms, k-means++ distances, assignment, one-hot and update for n=%i, d=%i, k=%i at offset %i', async (n, d, k, offset) => {
    guarded();
    const x = randomArray(n * d, `kx${n}${d}`, -2, 2);
    const c = randomArray(k * d, `kc${k}${d}`, -2, 2);
    const [xb, cb] = [g.input(x), g.input(c)];
    // row_norms: ‖x_i‖² into norms[offset + i]
    const norms = g.output(n, undefined, offset);
    rt().dispatch(kernels.kmeans.row_norms, [params(n, d, k, 0, offset), xb, norms], grid1d(n));
    const xn = await g.expectF32(norms, Array.from({ length: n }, (_, i) => sqDist(x, i, new Float64Array(d), 0, d)), close, 'row_norms', offset);

    // nearest_update: dist = min(dist, ‖x_i − c_j‖²) for the last centre
    const prev = randomArray(n, `kd${n}`, 0, 8);
    const dist = g.output(n, prev, offset);
    const [labels, counter] = [g.outputU32(n, undefined, offset), g.outputU32(1)]; // bound, not used by this entry
    rt().dispatch(kernels.kmeans.nearest_update, [params(n, d, k, k - 1, offset), xb, cb, labels, dist, counter], grid1d(n));
    await g.expectF32(dist, Array.from(prev, (v, i) => Math.min(v, sqDist(x, i, c, k - 1, d))), close, 'nearest_update', offset);

    // assign_dots: argmin_j ‖c_j‖² − 2 G[i, j] (G = X Cᵀ given), its count of changed labels
    const gdots = randomArray(n * k, `kg${n}${k}`, -2, 2);
    const cn = randomArray(k, `kn${k}`, 0, 2);
    const before = Array.from({ length: n }, (_, i) => i % 2);
    const [label, adist, stats] = [g.outputU32(n, before, offset), g.output(n, undefined, offset), g.outputU32(1, [0])];
    const xnAll = new Float32Array(offset + n);
    xnAll.set(xn, offset);
    rt().dispatch(kernels.kmeans.assign_dots, [params(n, d, k, 0, offset), g.input(gdots), g.input(xnAll), g.input(cn), label, adist, stats], grid1d(n));
    const best = Array.from({ length: n }, (_, i) => {
      let j0 = 0;
      for (let j = 1; j < k; j++) if (Math.fround(cn[j] - 2 * gdots[i * k + j]) < Math.fround(cn[j0] - 2 * gdots[i * k + j0])) j0 = j;
      return j0;
    });
    await g.expectU32(label, best, 'assign_dots labels', offset);
    await g.expectF32(adist, best.map((j, i) => Math.max(0, xn[i] + cn[j] - 2 * gdots[i * k + j])), { atol: 1e-5, rtol: 1e-5 }, 'assign_dots dist', offset);
    await g.expectU32(stats, [best.filter((j, i) => j !== before[i]).length], 'changed');

    // one_hot: H [n, k] from the labels at offset
    const h = g.output(n * k);
    rt().dispatch(kernels.kmeans.one_hot, [params(n, d, k, 0, offset), label, h], grid1d(n));
    await g.expectF32(h, Array.from({ length: n * k }, (_, e) => (best[Math.floor(e / k)] === e % k ? 1 : 0)), close, 'one_hot');

    // update_finish: c_j = sums_j / count_j, an empty cluster (the last) keeps its centre
    const sums = randomArray(k * d, `ks${k}${d}`, -5, 5);
    const counts = Array.from({ length: k }, (_, j) => (j === k - 1 ? 0 : j + 1));
    const centres = g.output(k * d, c);
    rt().dispatch(kernels.kmeans.update_finish, [params(k, d, k, 0, 0), g.input(sums), g.input(counts), centres], [Math.ceil(d / 64), k]);
    await g.expectF32(centres, Array.from(c, (v, e) => (counts[Math.floor(e / d)] > 0 ? sums[e] / counts[Math.floor(e / d)] : v)), close, 'update_finish');
  });

  it('one point, one cluster: the centre is the point, inertia 0', async () => {
    const x = Float32Array.of(0.25, -3, 7);
    const r = await kmeans(rt(), ChunkedRows.upload(rt(), planRows(rt(), 1, 3), 3, x), { k: 1, restarts: 2, seed: 1 });
    expect(Array.from(r.centers)).toEqual(Array.from(x));
    expect(Array.from(r.labels)).toEqual([0]);
    expect(r.inertia).toBe(0);
  });
});

describe('t-SNE kernels at edge shapes', () => {
  const params = (n: number, o: { dx?: number; exaggeration?: number; lr?: number; momentum?: number; minGain?: number; k?: number } = {}) =>
    packParams('tsne', { n, dx: o.dx, exaggeration: o.exaggeration ?? 1, lr: o.lr, momentum: o.momentum, min_gain: o.minGain ?? 0.01, k: o.k });

  it.each([
    [1, 1],
    [16, 17],
    [17, 16],
    [33, 1],
  ])('squared distances of %i points in %i dimensions (ragged 16-tiles); nothing written past n²', async (n, d) => {
    guarded();
    const x = randomArray(n * d, `tx${n}${d}`, -2, 2);
    const out = g.output(n * n);
    squaredDistancesInto(rt(), g.input(x), n, d, out);
    await g.expectF32(out, Array.from({ length: n * n }, (_, e) => sqDist(x, Math.floor(e / n), x, e % n, d)), { atol: 1e-5, rtol: 1e-5 }, 'D');
  });

  it.each([9, 17])('conditional and joint affinities of %i points (partial 8 × 8 and 64 groups)', async (n) => {
    guarded();
    const d = 3;
    const x = randomArray(n * d, `ta${n}`, -1, 1);
    const xb = g.input(x);
    const [pc, pj, beta] = [g.output(n * n), g.output(n * n), g.output(n)];
    conditionalAffinitiesInto(rt(), xb, n, d, 3, pc, beta);
    affinitiesInto(rt(), xb, n, d, 3, pj, beta);
    const b = await rt().readF32(beta, n);
    const cond = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) if (j !== i) s += cond[i * n + j] = Math.exp(-b[i] * sqDist(x, i, x, j, d));
      for (let j = 0; j < n; j++) cond[i * n + j] /= s;
    }
    const pcs = await g.expectF32(pc, cond, { atol: 1e-7, rtol: 1e-4 }, 'p_j|i');
    await g.expectF32(beta, b, { atol: 0, rtol: 0 }, 'β');
    await g.expectF32(pj, Array.from({ length: n * n }, (_, e) => (pcs[e] + pcs[(e % n) * n + Math.floor(e / n)]) / (2 * n)), { atol: 1e-9, rtol: 1e-5 }, 'p_ij');
  });

  it.each([0, 1, 2, 63, 65, 129])('forces, Z and the KL rows of %i points (partial groups of 64)', async (n) => {
    guarded();
    const p = randomArray(n * n, `tp${n}`, 0, 0.01);
    const y = randomArray(n * 2, `ty${n}`, -3, 3);
    const [pb, yb] = [g.input(p), g.input(y)];
    const [force, wrow, z, krow] = [g.output(n * 4), g.output(n), g.output(1), g.output(n)];
    rt().dispatch(kernels.tsne.forces, [params(n), pb, yb, force, wrow], grid1d(n));
    sumInto(rt(), wrow, n, z);
    rt().dispatch(kernels.tsne.kl_rows, [params(n), pb, yb, z, krow], grid1d(n));
    const fRef = new Float64Array(n * 4);
    const wRef = new Float64Array(n);
    const w = (i: number, j: number) => 1 / (1 + (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const wij = w(i, j);
        for (let t = 0; t < 2; t++) {
          const diff = y[2 * i + t] - y[2 * j + t];
          fRef[4 * i + t] += p[j * n + i] * wij * diff;
          fRef[4 * i + 2 + t] += wij * wij * diff;
        }
        wRef[i] += wij;
      }
    await g.expectF32(force, fRef, { atol: 1e-6, rtol: 1e-4 }, '(A, R)');
    await g.expectF32(wrow, wRef, { atol: 1e-5, rtol: 1e-5 }, 'Σ_j w_ij');
    const Z = wRef.reduce((s, v) => s + v, 0);
    const [zs] = await g.expectF32(z, [Z], { atol: 1e-5, rtol: 1e-5 }, 'Z');
    const klRef = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (j !== i && p[j * n + i] > 0) klRef[i] += p[j * n + i] * (Math.log(p[j * n + i]) - Math.log(w(i, j)) + Math.log(zs));
    await g.expectF32(krow, klRef, { atol: 1e-5, rtol: 1e-4 }, 'KL rows');
  });

  it.each([0, 1, 255, 256, 257, 65537])('sums %i values over workgroups of 256 into one', async (count) => {
    guarded();
    const v = randomArray(count, `ts${count}`, 0, 1);
    const out = g.output(1);
    sumInto(rt(), g.input(v), count, out);
    await g.expectF32(out, [v.reduce((s, x) => s + x, 0)], { atol: 1e-6, rtol: 1e-5 }, 'Σ');
  });

  it('a pass of partial sums on a 2-D grid writes one partial per 256 values, none for the extra workgroups', async () => {
    guarded();
    // 65537 partials: grid1d gives 32769 × 2 workgroups, one past the last partial.
    const count = 65536 * 256 + 1;
    expect(grid1d(count, 256)).toEqual([32769, 2]);
    const partials = g.output(65537);
    rt().dispatch(kernels.tsne.partial_sums, [params(count), g.input(new Float32Array(count).fill(1)), partials], grid1d(count, 256));
    const ref = new Float32Array(65537).fill(256);
    ref[65536] = 1;
    await g.expectF32(partials, ref, { atol: 0, rtol: 0 }, 'partials');
  });

  it.each([1, 65])('the gradient step on %i points', async (n) => {
    guarded();
    const [f, y, v, gains] = [randomArray(n * 4, `uf${n}`), randomArray(n * 2, `uy${n}`), randomArray(n * 2, `uv${n}`), randomArray(n * 2, `ug${n}`, 0.5, 2)];
    const [yb, vb, gb] = [g.output(n * 2, y), g.output(n * 2, v), g.output(n * 2, gains)];
    const o = { exaggeration: 12, lr: 200, momentum: 0.5, minGain: 0.01 };
    rt().dispatch(kernels.tsne.update, [params(n, o), g.input(f), g.input([3]), yb, vb, gb], grid1d(n));
    const [yRef, vRef, gRef] = [new Float64Array(n * 2), new Float64Array(n * 2), new Float64Array(n * 2)];
    for (let e = 0; e < n * 2; e++) {
      const [i, t] = [Math.floor(e / 2), e % 2];
      const grad = 4 * (o.exaggeration * f[4 * i + t] - f[4 * i + 2 + t] / 3);
      gRef[e] = Math.max(grad * v[e] < 0 ? gains[e] + 0.2 : gains[e] * 0.8, o.minGain);
      vRef[e] = o.momentum * v[e] - o.lr * gRef[e] * grad;
      yRef[e] = y[e] + vRef[e];
    }
    await g.expectF32(gb, gRef, close, 'gains');
    await g.expectF32(vb, vRef, { atol: 1e-4, rtol: 1e-5 }, 'velocity');
    await g.expectF32(yb, yRef, { atol: 1e-4, rtol: 1e-5 }, 'y');
  });

  it.each([
    [9, 2],
    [65, 3],
  ])('input-space ranks of %i points × %i map neighbours; a neighbour index past n reads row n − 1', async (n, k) => {
    guarded();
    const dist = randomArray(n * n, `rd${n}`, 0, 1);
    const nbr = Array.from({ length: n * k }, (_, e) => (Math.floor(e / k) + 1 + (e % k)) % n);
    nbr[k] = n + 5; // a bad index from the host is clamped, not followed past D
    const rank = g.outputU32(n * k);
    rt().dispatch(kernels.tsne.ranks, [params(n, { k }), g.input(dist), g.inputU32(nbr), rank], grid1d(n * k));
    const ref = nbr.map((j0, e) => {
      const i = Math.floor(e / k);
      const j = Math.min(j0, n - 1);
      const dij = dist[i * n + j];
      let r = 1;
      for (let l = 0; l < n; l++) if (l !== i && (dist[i * n + l] < dij || (dist[i * n + l] === dij && l < j))) r++;
      return r;
    });
    await g.expectU32(rank, ref, 'ranks');
  });
});
