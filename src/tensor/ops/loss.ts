// Mean squared error over every element (the Caffe / Keras scale: a mean over batch × d).
import { ShapeError } from '../../gpu/errors.js';
import { accumulate, empty, needsGrad, record, type Tensor } from '../tensor.js';
import { grid1d, kernels, params } from '../../gpu/kernels.js';

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
  const u = params('loss', { n, alpha: 1 / n, grad_alpha: 2 / n });
  rt.dispatch(kernels.loss.mse, [u, y.buffer, t.buffer, loss.buffer, unitGrad?.buffer ?? rt.scratch], [1], { GRAD: !!unitGrad });
  if (!needsGrad(y, t)) return loss;
  const grad = (g: Tensor, alpha: number): Tensor => {
    const d = empty(rt, y.rows, y.cols);
    const ug = params('loss', { n, alpha });
    rt.dispatch(kernels.loss.mse_grad, [ug, y.buffer, t.buffer, g.buffer, d.buffer], grid1d(n));
    return d;
  };
  const backward = (g: Tensor) => {
    unitGrad?.dispose(); // not needed: this loss is not where backward() started
    if (y.requiresGrad) accumulate(y, grad(g, 2 / n));
    if (t.requiresGrad) accumulate(t, grad(g, -2 / n));
  };
  return record(loss, backward, unitGrad ? () => accumulate(y, unitGrad) : undefined);
}
