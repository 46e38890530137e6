// The ops beside the elementwise table (./elementwise.ts): a − b, and the bias add, whose bias
// broadcasts over the rows. Forward and backward side by side.
import { ShapeError } from '../../gpu/errors.js';
import { accumulate, empty, gradTarget, needsGrad, record, type Tensor } from '../tensor.js';
import { add, scale } from './elementwise.js';
import { primitive } from './primitives.js';
import { sumRowsRaw } from './reduce.js';

/** y = a − b */
export function sub(a: Tensor, b: Tensor): Tensor {
  return add(a, b, -1);
}

/** y[r, :] = a[r, :] + bias          a: [rows, cols], bias: [1, cols];  dbias = Σ_r g[r, :] */
export function biasAdd(a: Tensor, bias: Tensor): Tensor {
  if (bias.rows !== 1 || bias.cols !== a.cols) throw new ShapeError('biasAdd', a.shape, bias.shape, 'bias must be [1, cols]');
  const rt = a.rt;
  const y = empty(rt, a.rows, a.cols);
  primitive(rt, 'bias_add', y.size, y.cols, 1, 0, [a.buffer, bias.buffer], y.buffer);
  if (!needsGrad(a, bias)) return y;
  return record(y, (g) => {
    if (a.requiresGrad) accumulate(a, scale(g, 1)); // g needs no gradient: recorded on no tape
    if (bias.requiresGrad) {
      const db = gradTarget(bias); // in place in an optimiser's gradient arena where it has a slot
      sumRowsRaw(rt, g.buffer, a.rows, a.cols, 1, db.buffer);
      accumulate(bias, db);
    }
  });
}
