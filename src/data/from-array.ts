// A data set from numbers already in memory (the library's counterpart of load.ts): checked the
// way a file is, copied, and scaled by the preprocessing rule, so the caller's array is untouched.
import { InputError } from '../io/errors.js';
import type { Dataset } from './dataset.js';
import { applyPreprocess, defaultPreprocess, type Preprocess } from './preprocess.js';

/** The shape and labels of a row-major array of points. */
export interface ArrayShape {
  /** Features per point. */
  d: number;
  /** Points (default: `x.length / d`). */
  n?: number;
  /** One integer class id per point: enables ACC / NMI / ARI. */
  labels?: ArrayLike<number> | null;
  /** A name for messages and the report (default "array"). */
  name?: string;
  /** Height × width when each row is an image (h · w = d). */
  image?: [number, number];
}

/**
 * `x` ([n, d], row-major) as a Dataset: checked (shape, finite values, labels 0 … 2³¹ − 1), copied,
 * with `preprocess` applied (by default the 'unit' rule: 8-bit pixels divided by 255, anything
 * else as it is); `ds.preprocess` says what was applied.
 */
export function datasetFromArray(x: ArrayLike<number>, shape: ArrayShape, preprocess: Preprocess = defaultPreprocess): Dataset {
  const { d, name = 'array' } = shape;
  if (!Number.isInteger(d) || d < 1) throw new InputError(`d must be a positive integer (features per point); got ${d}`);
  const n = shape.n ?? x.length / d;
  if (!Number.isInteger(n) || n * d !== x.length) {
    throw new InputError(`${name}: ${x.length} values are not ${shape.n ?? 'n'} points of d = ${d}; pass n · d values, one row per point`);
  }
  if (n < 1) throw new InputError(`${name}: no points; pass at least one row of d = ${d} values`);
  if (shape.image && shape.image[0] * shape.image[1] !== d) throw new InputError(`${name}: image ${shape.image.join(' × ')} does not have d = ${d} pixels`);
  const data = Float32Array.from(x);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const fix = Number.isFinite(x[i]) ? "beyond float32's range; rescale the data" : 'drop or impute non-finite values first';
      throw new InputError(`${name}: value at row ${Math.floor(i / d)}, column ${i % d} (counting from 0) is ${x[i]}; ${fix}`);
    }
  }
  let labels: Int32Array | null = null;
  if (shape.labels) {
    if (shape.labels.length !== n) throw new InputError(`${name}: ${shape.labels.length} labels for ${n} points; pass one label per point, in the same order`);
    labels = Int32Array.from(shape.labels);
    for (let i = 0; i < n; i++) {
      if (labels[i] !== shape.labels[i]) throw new InputError(`${name}: label ${i} is ${shape.labels[i]}; labels must be integer class ids`);
      // -1 ("no label" in many tools) would be scored as a class of its own, skewing ACC / NMI / ARI
      if (labels[i] < 0) throw new InputError(`${name}: label ${i} (row ${i}, counting from 0) is ${labels[i]}; labels must be class ids from 0 to ${2 ** 31 - 1} (leave labels out if some points have none)`);
    }
  }
  const applied = applyPreprocess(data, preprocess);
  return { name, x: data, n, d, labels, image: shape.image, preprocess: applied };
}
