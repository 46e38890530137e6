import { describe, expect, it } from 'vitest';
import { add, biasAdd, dropout, DropoutRng, fromArray, matmul, mean, mseLoss, relu, scale, sub, sum, tidy, type Tensor } from '../src/tensor/index.js';
import { gradcheck, type Input } from './gradcheck.js';
import { expectClose, randomArray, useRuntime } from './helpers.js';

const rt = useRuntime();
const exact = { atol: 1e-6, rtol: 1e-6 };
const shapes: [number, number][] = [
  [1, 1],
  [7, 13],
  [255, 257],
];

/** Values away from 0 by at least 0.1, so ReLU kinks stay clear of finite-difference steps. */
function awayFromZero(n: number, seed: string): Float32Array {
  return randomArray(n, seed).map((v) => (v >= 0 ? 0.1 + v : -0.1 + v));
}
const input = (rows: number, cols: number, seed: string): Input => ({ rows, cols, data: awayFromZero(rows * cols, seed) });
/** A fixed random target turns any output into a scalar loss for the gradient checks. */
function head(y: Tensor, seed: string): Tensor {
  return mseLoss(y, fromArray(y.rt, randomArray(y.size, seed), y.rows, y.cols));
}

describe.each(shapes)('elementwise kernels match the float64 reference on %ix%i', (rows, cols) => {
  const n = rows * cols;
  const a = randomArray(n, `a${n}`);
  const b = randomArray(n, `b${n}`);
  const bias = randomArray(cols, `bias${cols}`);
  const read = (t: Tensor) => t.toArray();
  it('add, sub', async () => {
    const [ta, tb] = [fromArray(rt(), a, rows, cols), fromArray(rt(), b, rows, cols)];
    expectClose(await read(add(ta, tb)), Array.from(a, (v, i) => v + b[i]), exact);
    expectClose(await read(sub(ta, tb)), Array.from(a, (v, i) => v - b[i]), exact);
  });
  it('bias add, ReLU, scale', async () => {
    const ta = fromArray(rt(), a, rows, cols);
    expectClose(await read(biasAdd(ta, fromArray(rt(), bias, 1, cols))), Array.from(a, (v, i) => v + bias[i % cols]), exact);
    expectClose(await read(relu(ta)), Array.from(a, (v) => Math.max(v, 0)), exact);
    expectClose(await read(scale(ta, -2.5)), Array.from(a, (v) => -2.5 * v), exact);
  });
  it('sums and means over rows, columns and all', async () => {
    const ta = fromArray(rt(), a, rows, cols);
    const colSums = new Float64Array(cols);
    const rowSums = new Float64Array(rows);
    let total = 0;
    a.forEach((v, i) => {
      colSums[i % cols] += v;
      rowSums[Math.floor(i / cols)] += v;
      total += v;
    });
    const tol = { atol: 1e-5 * Math.sqrt(n), rtol: 1e-5 };
    expectClose(await read(sum(ta, 'rows')), colSums, tol);
    expectClose(await read(sum(ta, 'cols')), rowSums, tol);
    expectClose(await read(sum(ta, 'all')), [total], tol);
    expectClose(await read(mean(ta, 'rows')), Array.from(colSums, (v) => v / rows), tol);
    expectClose(await read(mean(ta, 'all')), [total / n], tol);
  });
  it('MSE loss', async () => {
    let s = 0;
    a.forEach((v, i) => (s += (v - b[i]) ** 2));
    const loss = mseLoss(fromArray(rt(), a, rows, cols), fromArray(rt(), b, rows, cols));
    expectClose(await read(loss), [s / n], { atol: 1e-6, rtol: 1e-5 });
  });
});

describe('dropout', () => {
  it('drops about `rate` of the elements and scales the rest by 1/(1 − rate)', async () => {
    const rng = new DropoutRng(rt(), 7);
    const x = fromArray(rt(), new Float32Array(255 * 257).fill(1), 255, 257);
    const y = await dropout(x, 0.2, rng, 1).toArray();
    const kept = y.filter((v) => v !== 0);
    expect(Math.abs(1 - kept.length / y.length - 0.2)).toBeLessThan(0.01);
    expectClose(kept, new Float32Array(kept.length).fill(1 / 0.8), exact);
  });
  it('same seed and step give the same mask; the next step another', async () => {
    const x = fromArray(rt(), randomArray(1000, 'x'), 10, 100);
    const masks = async (seed: number) => {
      const rng = new DropoutRng(rt(), seed);
      const first = await dropout(x, 0.5, rng, 3).toArray();
      rng.next();
      const second = await dropout(x, 0.5, rng, 3).toArray();
      return [first, second];
    };
    const [a1, a2] = await masks(1);
    const [b1] = await masks(1);
    expect(Array.from(a1)).toEqual(Array.from(b1));
    expect(Array.from(a1)).not.toEqual(Array.from(a2));
  });
});

describe('gradients match finite differences', () => {
  it('add and sub', () => gradcheck(rt(), ([a, b]) => head(sub(add(a, b), scale(b, 3)), 't'), [input(3, 5, 'a'), input(3, 5, 'b')]));
  it('bias add', () => gradcheck(rt(), ([a, b]) => head(biasAdd(a, b), 't'), [input(4, 3, 'a'), input(1, 3, 'b')]));
  it('ReLU', () => gradcheck(rt(), ([a]) => head(relu(a), 't'), [input(4, 5, 'a')]));
  it('scale', () => gradcheck(rt(), ([a]) => head(scale(a, 0.7), 't'), [input(2, 3, 'a')]));
  it.each(['rows', 'cols', 'all'] as const)('sum and mean over %s', (axis) =>
    gradcheck(rt(), ([a]) => head(add(sum(a, axis), mean(a, axis)), 't'), [input(3, 4, 'a')]),
  );
  it('MSE loss (both arguments)', () => gradcheck(rt(), ([y, t]) => mseLoss(y, t), [input(3, 7, 'y'), input(3, 7, 't')]));
  // Every `head` above starts backward() at the MSE loss (its gradient written by the forward kernel);
  // here the loss is inside a larger expression, so its backward gets an upstream gradient of 0.5.
  it('MSE loss with an upstream gradient ≠ 1', () => gradcheck(rt(), ([y]) => scale(head(y, 't'), 0.5), [input(3, 7, 'y')]));
  it('dropout', () => {
    const rng = new DropoutRng(rt(), 11);
    return gradcheck(rt(), ([a]) => head(dropout(a, 0.3, rng, 2), 't'), [input(4, 6, 'a')]);
  });
  // Seeds differ per combination so that no ReLU pre-activation sits within h of its kink (where a
  // central difference is wrong by construction; the unfused matmul → biasAdd → relu shows the same).
  for (const transA of [false, true])
    for (const transB of [false, true])
      it(`matmul transA=${transA} transB=${transB} with bias and ReLU`, () =>
        gradcheck(
          rt(),
          ([a, b, c]) => head(matmul(a, b, { transA, transB, bias: c, relu: true }), 't'),
          [input(transA ? 5 : 3, transA ? 3 : 5, `a${transA}${transB}`), input(transB ? 4 : 5, transB ? 5 : 4, 'b'), input(1, 4, 'c')],
        ));
  it('matmul without epilogue', () => gradcheck(rt(), ([a, b]) => head(matmul(a, b), 't'), [input(3, 6, 'a'), input(6, 2, 'b')]));
});

describe('the tape', () => {
  it('gradients accumulate over two backward passes', async () => {
    const x = fromArray(rt(), [1, 2, 3], 1, 3, true);
    tidy(() => sum(scale(x, 2)).backward());
    tidy(() => sum(scale(x, 2)).backward());
    expectClose(await x.grad!.toArray(), [4, 4, 4], exact);
  });
  it('shape mismatches name the op and both shapes', () => {
    const a = fromArray(rt(), [1, 2, 3, 4, 5, 6], 2, 3);
    const b = fromArray(rt(), [1, 2, 3, 4, 5, 6], 3, 2);
    expect(() => add(a, b)).toThrow('add: shapes do not match: [2, 3] vs [3, 2]');
    expect(() => mseLoss(a, b)).toThrow('mseLoss: shapes do not match: [2, 3] vs [3, 2]');
    expect(() => biasAdd(a, b)).toThrow(/biasAdd.*\[2, 3\] vs \[3, 2\]/);
  });
});
