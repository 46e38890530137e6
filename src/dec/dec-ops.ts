// The DEC equations as GPU ops: soft assignment q, target p, and the KL loss as a tape op whose
// backward is the fused gradient kernels (∂L/∂z flows on through the encoder).
import { ShapeError } from '../gpu/errors.js';
import type { Uniform, Kernel, Runtime } from '../gpu/runtime.js';
import { defineFamily, grid1d } from '../gpu/registry.js';
import { accumulate, empty, gradTarget, needsGrad, record, type Tensor } from '../tensor/tensor.js';
import { sumRowsRaw } from '../tensor/ops/reduce.js';

const kl = ['uniform', 'read', 'read', 'read', 'read', 'read', 'read', 'rw'] as const;

/** shaders/dec.wgsl: the DEC equations. */
export const decFamily = defineFamily(
  'dec',
  {
    soft_assign: ['uniform', 'read', 'read', 'rw', 'rw'],
    target_distribution: ['uniform', 'read', 'read', 'rw', 'rw'],
    kl_rows: kl,
    kl_loss: kl,
    kl_grad_z: kl,
    kl_grad_mu: kl,
  },
  { n: 'u32', d: 'u32', k: 'u32', alpha: 'f32', scale: 'f32', pad0: 'u32', pad1: 'u32', pad2: 'u32' },
);

const { soft_assign: SOFT_ASSIGN, target_distribution: TARGET, kl_rows: KL_ROWS, kl_loss: KL_LOSS, kl_grad_z: KL_GRAD_Z, kl_grad_mu: KL_GRAD_MU } = decFamily.kernels;

function params(n: number, d: number, kk: number, alpha: number, scale = 1): Uniform {
  return decFamily.params({ n, d, k: kk, alpha, scale });
}

/** q, w ([n, k] each) for n rows of z ([n, d]) against centres mu ([k, d]). Raw buffers. */
export function softAssignInto(rt: Runtime, z: GPUBuffer, mu: GPUBuffer, n: number, d: number, kk: number, alpha: number, q: GPUBuffer, w: GPUBuffer): void {
  rt.dispatch(SOFT_ASSIGN, [params(n, d, kk, alpha), z, mu, q, w], grid1d(n));
}

/** f = Σ_i q_ij, then p and the hard assignments, for all n rows of q. */
export function targetInto(rt: Runtime, q: GPUBuffer, n: number, kk: number, f: GPUBuffer, p: GPUBuffer, hard: GPUBuffer): void {
  sumRowsRaw(rt, q, n, kk, 1, f);
  targetFromF(rt, q, n, kk, f, p, hard);
}

/** p and the hard assignments for n rows of q, given the frequencies f of the whole data set. */
export function targetFromF(rt: Runtime, q: GPUBuffer, n: number, kk: number, f: GPUBuffer, p: GPUBuffer, hard: GPUBuffer): void {
  rt.dispatch(TARGET, [params(n, 0, kk, 1), q, f, p, hard], grid1d(n));
}

/** L_i = Σ_j p_ij log(p_ij / q_ij) for n rows (into `out`, [n]); only p and q are read. */
export function klRowsInto(rt: Runtime, p: GPUBuffer, q: GPUBuffer, n: number, kk: number, out: GPUBuffer): void {
  const s = rt.scratch;
  rt.dispatch(KL_ROWS, [params(n, 0, kk, 1), s, s, p, q, s, s, out], grid1d(n));
}

/**
 * L = (1/n) Σ_i Σ_j p_ij log(p_ij / q_ij)     z: [n, d], mu: [k, d], p: [n, k] (held constant) -> [1, 1]
 * Backward: the fused kernels of eqs. (4) and (5); ∂L/∂z then flows on through the encoder, and
 * ∂L/∂μ is written straight into μ's slot in its optimiser's gradient arena (gradTarget).
 */
export function klLoss(z: Tensor, mu: Tensor, p: Tensor, alpha: number): Tensor {
  const [n, d] = z.shape;
  const kk = mu.rows;
  if (mu.cols !== d) throw new ShapeError('klLoss (z vs mu)', z.shape, mu.shape, 'embedding dimensions differ');
  if (p.rows !== n || p.cols !== kk) throw new ShapeError('klLoss (p)', p.shape, [n, kk], 'p must be [n, k]');
  const rt = z.rt;
  const q = empty(rt, n, kk);
  const w = empty(rt, n, kk);
  softAssignInto(rt, z.buffer, mu.buffer, n, d, kk, alpha, q.buffer, w.buffer);
  const u = params(n, d, kk, alpha, 1 / n);
  const kl = (kernel: Kernel, g: GPUBuffer, out: GPUBuffer, groups: [number, number?], unit = false) =>
    rt.dispatch(kernel, [u, z.buffer, mu.buffer, p.buffer, q.buffer, w.buffer, g, out], groups, { UNIT_G: unit });
  const loss = empty(rt, 1, 1);
  kl(KL_LOSS, rt.scratch, loss.buffer, [1]);
  if (!needsGrad(z, mu)) return loss;
  // g: the upstream gradient's buffer, or null for g = 1 (backward() starting from this loss).
  const backward = (g: GPUBuffer | null) => {
    if (z.requiresGrad) {
      const dz = gradTarget(z);
      kl(KL_GRAD_Z, g ?? rt.scratch, dz.buffer, grid1d(n), !g);
      accumulate(z, dz);
    }
    if (mu.requiresGrad) {
      const dmu = gradTarget(mu);
      kl(KL_GRAD_MU, g ?? rt.scratch, dmu.buffer, [Math.ceil(d / 64), kk], !g);
      accumulate(mu, dmu);
    }
  };
  return record(loss, (g) => backward(g.buffer), () => backward(null));
}
