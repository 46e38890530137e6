/// <reference types="@webgpu/types" preserve="true" />
/**
 * `webgpu-dec/engine`: the numerical engine DEC is built on, for your own models and kernels.
 *
 * - The dispatch layer: {@link Runtime} (device, buffer pool, pipeline and bind-group caches, one
 *   command encoder recording until `flush()`, readback, GPU-timestamp profiling), {@link Uniform}
 *   for a kernel's parameter struct, and the kernel registry: {@link defineFamily} declares a
 *   family of WGSL entry points with its uniform struct, as every room of the package does for its
 *   own (the tensor ops' families are exported here, e.g. {@link elementwiseFamily}). A kernel of
 *   your own is a {@link Kernel} with its WGSL in `code`.
 * - GPU-resident 2-D f32 {@link Tensor}s and the tape: an op builds its output and, where an input
 *   needs a gradient, records its backward right beside it ({@link record}, {@link accumulate});
 *   `loss.backward()` walks the tape in reverse. {@link tidy} frees a scope's temporaries,
 *   {@link noGrad} records nothing.
 * - The ops (matmul with fused bias and ReLU, add, sub, bias add, ReLU, scale, sums and means,
 *   MSE, dropout, augmentation's warps), the layers ({@link Linear}, {@link Autoencoder}) and the optimisers ({@link Sgd},
 *   {@link Adam}), which update parameters in place on the GPU.
 * @module webgpu-dec/engine
 */

// ---- the dispatch layer ------------------------------------------------------------------
export { Runtime, Uniform, UNIFORM_CACHE_LIMIT, type Kernel, type BindingKind, type Constants } from './gpu/runtime.js';
export { BufferViews, type BufferRange } from './gpu/views.js';
export { GpuDevice, type DeviceOptions, type AdapterDescription } from './gpu/device.js';
export { BufferPool, STORAGE_USAGE, READBACK_USAGE } from './gpu/pool.js';
export { defineFamily, registeredFamilies, allKernels, grid1d, type Family, type Bindings, type Layout, type ParamsOf } from './gpu/registry.js';
export { shaderSource } from './gpu/shaders.js';
export { GpuError, NoAdapterError, DeviceLostError, ShapeError } from './gpu/errors.js';

// ---- tensors, the tape, the ops and their kernel families: the tensor room's barrel, whole ---
export * from './tensor/index.js';

// ---- layers and optimisers ---------------------------------------------------------------
export { Linear, type Init } from './nn/linear.js';
export { Autoencoder } from './nn/autoencoder.js';
export { Sgd, Adam, optimFamily, type ParamGroup, type OptimOptions } from './nn/optim.js';
export { makeRng, gaussian, uniform, type Rng } from './random/rng.js';
