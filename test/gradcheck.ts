// Finite-difference gradient check: central differences of a scalar function evaluated on the GPU,
// compared with the gradients the tape computes.
import { expectClose } from './helpers.js';
import { fromArray, noGrad, tidy, type Tensor } from '../src/tensor/index.js';
import type { Runtime } from '../src/gpu/runtime.js';

export interface Input {
  data: Float32Array;
  rows: number;
  cols: number;
}

/**
 * f maps input tensors to a [1, 1] loss. Checks dL/dx for every element of every input against
 * (L(x + h) − L(x − h)) / 2h. Inputs should keep kinks (ReLU at 0) further than h away.
 */
export async function gradcheck(rt: Runtime, f: (xs: Tensor[]) => Tensor, inputs: Input[], h = 1e-2, tol = { atol: 2e-3, rtol: 2e-2 }): Promise<void> {
  const xs = inputs.map((i) => fromArray(rt, i.data, i.rows, i.cols, true));
  tidy(() => f(xs).backward());
  const analytic = await Promise.all(xs.map((x) => x.grad!.toArray()));
  const evalAt = async (datas: Float32Array[]): Promise<number> => {
    const ts = datas.map((d, k) => fromArray(rt, d, inputs[k].rows, inputs[k].cols));
    const loss = noGrad(() => f(ts));
    const [v] = await loss.toArray();
    loss.dispose();
    ts.forEach((t) => t.dispose());
    return v;
  };
  for (let k = 0; k < inputs.length; k++) {
    const numeric = new Float64Array(inputs[k].data.length);
    for (let i = 0; i < numeric.length; i++) {
      const plus = inputs.map((inp) => inp.data.slice());
      const minus = inputs.map((inp) => inp.data.slice());
      plus[k][i] += h;
      minus[k][i] -= h;
      numeric[i] = ((await evalAt(plus)) - (await evalAt(minus))) / (2 * h);
    }
    expectClose(analytic[k], numeric, tol, `gradient of input ${k}`);
  }
  xs.forEach((x) => {
    x.grad?.dispose();
    x.dispose();
  });
}
