// A trained model applied to data on the GPU: the assignment pass for predict, the encoder for
// embed. The command line's predict / embed and the library's go through these.
import type { Runtime } from '../gpu/runtime.js';
import type { Dataset } from '../data/dataset.js';
import { InputError } from '../io/errors.js';
import type { RowSource } from '../tensor/index.js';
import { assign, encodeAll, type AssignModel, type Assignment } from '../dec/assign.js';
import { upload } from '../data/upload.js';
import { modelOnGpu, type LoadedModel } from './model-file.js';

/** Checks that the rows of `ds` are what the model takes (`data`, `model`: names for the message). */
export function checkModelInput(model: LoadedModel, ds: Dataset, data: string, file: string): void {
  if (ds.d !== model.meta.dims[0]) {
    throw new InputError(`${data}: ${ds.d} columns, but the model ${file} takes ${model.meta.dims[0]} inputs; pass data of the kind it was trained on`);
  }
}

/** Puts the model and the rows of `ds` on the device, runs `fn`, and frees them. */
export async function withModelOnGpu<T>(rt: Runtime, model: LoadedModel, ds: Dataset, fn: (m: AssignModel, x: RowSource) => Promise<T>, file = 'model'): Promise<T> {
  const x = await upload(rt, ds, Math.max(model.meta.k, model.meta.dims[model.meta.dims.length - 1]));
  const { ae, mu } = modelOnGpu(rt, model, file);
  try {
    return await fn({ ae, mu: mu.buffer, k: model.meta.k, alpha: model.meta.alpha }, x);
  } finally {
    [x, ae, mu].forEach((t) => t.dispose());
  }
}

/** Each row's cluster and confidence under the model: the assignment pass training ends with. */
export function predictRows(rt: Runtime, model: LoadedModel, ds: Dataset, file = 'model'): Promise<Assignment & { confidence: Float32Array }> {
  return withModelOnGpu(rt, model, ds, (m, x) => assign(rt, m, x, { confidence: true }) as Promise<Assignment & { confidence: Float32Array }>, file);
}

/** The embedding z = f_θ(x) of every row, [n, d_z]. */
export function embedRows(rt: Runtime, model: LoadedModel, ds: Dataset, file = 'model'): Promise<Float32Array> {
  return withModelOnGpu(
    rt,
    model,
    ds,
    async (m, x) => {
      const z = await encodeAll(m.ae, x);
      try {
        return await z.read();
      } finally {
        z.dispose();
      }
    },
    file,
  );
}
