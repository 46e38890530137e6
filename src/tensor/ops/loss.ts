// Mean squared error over every element (the Caffe / Keras scale: a mean over batch × d).
import { ShapeError } from '../../gpu/errors.js';
import { accumulate, empty, needsGrad, record, type Tensor } from '../tensor.js';
import { defineFamily, grid1d } from '../../gpu/registry.js';

/** shaders/loss.wgsl. */
export const lossFamily = defineFamily(
  'loss',
  { mse_grad: ['uniform', 'read', 'read', 'read', 'rw'], mse: ['uniform', 'read', 'read', 'rw', 'rw'] },
  { n: 'u32', pad0: 'u32', alpha: 'f32', grad_alpha: 'f32' },
);

/**
 * L = (1/n) Σ (y − t)²           y, t: [rows, cols] -> L: [1, 1];  dy = (2/n)(y − t) · g = −dt
 * Where only y needs a gradient, the forward kernel also writes dy for g = 1, which backward()
 * starting from this loss takes as is (record's `unit`): the loss and its gradient in one dispatch.
 */
export function mseLoss(y: Tensor, t: Tensor): Tensor {
  if (y.rows !== t.rows || y.cols !== t.cols) throw new ShapeError('mseLoss', y.shape, t.shape);
  const rt = y.rt;
  const n = y.size;
  const loss = empty(rt, 1, 1);
  const unitGrad = needsGrad(y) && !t.requiresGrad ? empty(rt, y.rows, y.cols) : null;
  const u = lossFamily.params({ n, alpha: 1 / n, grad_alpha: 2 / n });
  rt.dispatch(lossFamily.kernels.mse, [u, y.buffer, t.buffer, loss.buffer, unitGrad?.buffer ?? rt.scratch], [1], { GRAD: !!unitGrad });
  if (!needsGrad(y, t)) return loss;
  const grad = (g: Tensor, alpha: number): Tensor => {
    const d = empty(rt, y.rows, y.cols);
    const ug = lossFamily.params({ n, alpha });
    rt.dispatch(lossFamily.kernels.mse_grad, [ug, y.buffer, t.buffer, g.buffer, d.buffer], grid1d(n));
    return d;
  };
  const backward = (g: Tensor) => {
    unitGrad?.dispose(); // not needed: this loss is not where backward() started
    if (y.requiresGrad) accumulate(y, grad(g, 2 / n));
    if (t.requiresGrad) accumulate(t, grad(g, -2 / n));
  };
  return record(loss, backward, unitGrad ? () => accumulate(y, unitGrad) : undefined);
}
