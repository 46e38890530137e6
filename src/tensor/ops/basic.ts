// Elementwise ops: add, bias add, ReLU, scale. Forward and backward side by side.
import { ShapeError } from '../../gpu/errors.js';
import { accumulate, empty, gradTarget, needsGrad, record, type Tensor } from '../tensor.js';
import { elementwise } from './elementwise.js';
import { sumRowsRaw } from './reduce.js';

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new ShapeError(op, a.shape, b.shape);
}

/** y = a + alpha · b                 a, b, y: [rows, cols];  da = g, db = alpha · g */
export function add(a: Tensor, b: Tensor, alpha = 1): Tensor {
  sameShape('add', a, b);
  const rt = a.rt;
  const y = empty(rt, a.rows, a.cols);
  elementwise(rt, 'add', y.size, y.cols, alpha, 0, [a.buffer, b.buffer], y.buffer);
  if (!needsGrad(a, b)) return y;
  return record(y, (g) => {
    if (a.requiresGrad) accumulate(a, scaleRaw(g, 1));
    if (b.requiresGrad) accumulate(b, scaleRaw(g, alpha));
  });
}

/** y = a − b */
export function sub(a: Tensor, b: Tensor): Tensor {
  return add(a, b, -1);
}

/** y[r, :] = a[r, :] + bias          a: [rows, cols], bias: [1, cols];  dbias = Σ_r g[r, :] */
export function biasAdd(a: Tensor, bias: Tensor): Tensor {
  if (bias.rows !== 1 || bias.cols !== a.cols) throw new ShapeError('biasAdd', a.shape, bias.shape, 'bias must be [1, cols]');
  const rt = a.rt;
  const y = empty(rt, a.rows, a.cols);
  elementwise(rt, 'bias_add', y.size, y.cols, 1, 0, [a.buffer, bias.buffer], y.buffer);
  if (!needsGrad(a, bias)) return y;
  return record(y, (g) => {
    if (a.requiresGrad) accumulate(a, scaleRaw(g, 1));
    if (bias.requiresGrad) {
      const db = gradTarget(bias); // in place in an optimiser's gradient arena where it has a slot
      sumRowsRaw(rt, g.buffer, a.rows, a.cols, 1, db.buffer);
      accumulate(bias, db);
    }
  });
}

/** y = max(a, 0);  da = g ⊙ [y > 0] */
export function relu(a: Tensor): Tensor {
  const rt = a.rt;
  const y = empty(rt, a.rows, a.cols);
  elementwise(rt, 'relu', y.size, y.cols, 1, 0, [a.buffer, a.buffer], y.buffer);
  if (!needsGrad(a)) return y;
  return record(y, (g) => {
    const da = empty(rt, a.rows, a.cols);
    elementwise(rt, 'relu_grad', da.size, da.cols, 1, 0, [g.buffer, y.buffer], da.buffer);
    accumulate(a, da);
  });
}

/** y = alpha · a;  da = alpha · g */
export function scale(a: Tensor, alpha: number): Tensor {
  const y = scaleRaw(a, alpha);
  if (!needsGrad(a)) return y;
  return record(y, (g) => accumulate(a, scaleRaw(g, alpha)));
}

function scaleRaw(a: Tensor, alpha: number): Tensor {
  const y = empty(a.rt, a.rows, a.cols);
  elementwise(a.rt, 'scale', y.size, y.cols, alpha, 0, [a.buffer, a.buffer], y.buffer);
  return y;
}
