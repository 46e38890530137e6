// Every kernel family, by shader file, from the rooms that declare them: importing this module
// registers them all. kernels.test.ts checks the registry against shaders/ (a family left out
// here leaves its shader file without a family there); the kernel tests reach a family's entries
// and uniform packer through it.
import { augmentFamily } from '../src/tensor/ops/augment.js';
import { dropoutFamily } from '../src/tensor/ops/dropout.js';
import { elementwiseFamily } from '../src/tensor/ops/elementwise.js';
import { primitivesFamily } from '../src/tensor/ops/primitives.js';
import { lossFamily } from '../src/tensor/ops/loss.js';
import { matmulFamily, matmulSubgroupFamily, matmulTiledFamily } from '../src/tensor/ops/matmul.js';
import { reduceFamily } from '../src/tensor/ops/reduce.js';
import { gatherFamily } from '../src/tensor/chunked.js';
import { packedFamily } from '../src/tensor/packed.js';
import { optimFamily } from '../src/nn/optim.js';
import { decFamily } from '../src/dec/dec-ops.js';
import { kmeansFamily } from '../src/kmeans/kmeans.js';
import { tsneFamily } from '../src/tsne/family.js';
import { sparseFamily } from '../src/tsne/sparse.js';
import { tsneKnnFamily } from '../src/tsne/knn.js';
import { fftFamily } from '../src/tsne/fft.js';
import { interpFamily } from '../src/tsne/interpolation.js';
import { rooflineFamily } from '../bench/roofline.js';

export const FAMILIES = {
  elementwise: elementwiseFamily,
  primitives: primitivesFamily,
  reduce: reduceFamily,
  loss: lossFamily,
  dropout: dropoutFamily,
  matmul: matmulFamily,
  matmul_subgroup: matmulSubgroupFamily,
  matmul_tiled: matmulTiledFamily,
  gather: gatherFamily,
  packed: packedFamily,
  augment: augmentFamily,
  optim: optimFamily,
  roofline: rooflineFamily,
  dec: decFamily,
  kmeans: kmeansFamily,
  tsne: tsneFamily,
  tsne_knn: tsneKnnFamily,
  fft: fftFamily,
  tsne_interp: interpFamily,
  tsne_sparse: sparseFamily,
} as const;

export type FamilyName = keyof typeof FAMILIES;
