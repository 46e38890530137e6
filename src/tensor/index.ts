// The tensor room's public surface: tensors and the tape, the ops, the matrix-product kernels'
// choice, row sources, and the kernel families the room declares. \`webgpu-dec/engine\` re-exports it
// whole.
export * from './tensor.js';
export * from './ops/elementwise.js';
export { primitive, primitivesFamily, type PrimitiveEntry } from './ops/primitives.js';
export { sub, biasAdd } from './ops/basic.js';
export { matmul, matmulInto, matmulFamily, matmulSubgroupFamily, matmulTiledFamily, type MatmulOptions, type MatmulFlags, type MatmulImpl } from './ops/matmul.js';
export { ruleChoice, productClass, describeChoice, MATMUL_KERNELS, PRODUCT_CLASSES, CLASS_SHAPES, type MatmulKernel, type ProductClass, type ProductShape, type ProductChoice, type ClassChoice, type ChoiceSource, type ChoiceRecord } from './ops/matmul-classes.js';
export { chooseProducts, measureProducts, type ProductsReport, type ChooseOptions } from './ops/matmul-choice.js';
export type { ProductFn } from './ops/matmul-check.js';
export { cacheFile, readCachedChoice, type CacheLookup } from './ops/matmul-cache.js';
export { sum, mean, reduceFamily, type Axis } from './ops/reduce.js';
export { mseLoss, lossFamily } from './ops/loss.js';
export { dropout, DropoutRng, dropoutFamily } from './ops/dropout.js';
export { augment, augmentDraws, warpInto, warpTable, AUGMENT_SALT, augmentFamily, type AugmentOptions, type Warp } from './ops/augment.js';
export { ChunkedRows, RowSource, planRows, bindingLimit, BLOCK_ROWS, gatherFamily, type RowPlan, type Block } from './chunked.js';
export { PackedRows, wordsPerRow, packedFamily } from './packed.js';
