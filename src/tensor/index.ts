export * from './tensor.js';
export { matmul, matmulInto, type MatmulOptions, type MatmulImpl } from './ops/matmul.js';
export { add, sub, biasAdd, relu, scale } from './ops/basic.js';
export { sum, mean, type Axis } from './ops/reduce.js';
export { mseLoss } from './ops/loss.js';
export { dropout, DropoutRng } from './ops/dropout.js';
export { augment, augmentDraws, warpInto, warpTable, AUGMENT_SALT, type AugmentOptions, type Warp } from './ops/augment.js';
export { ChunkedRows, RowSource, planRows, bindingLimit, BLOCK_ROWS, type RowPlan, type Block } from './chunked.js';
export { PackedRows, wordsPerRow } from './packed.js';
