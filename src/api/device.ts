// The device behind the library's functions: the caller's, or one opened for the call and
// destroyed after it (a Node process with a live device does not exit by itself).
import { Runtime } from '../gpu/runtime.js';
import type { DeviceOptions } from '../gpu/device.js';
import { chooseProducts, type ChooseOptions } from '../tensor/ops/matmul-choice.js';

/** How a library call gets its GPU. */
export interface DeviceChoice {
  /**
   * A device from {@link openDevice}, kept open across calls (you destroy it at the end); without
   * it, each call opens its own and destroys it before returning.
   */
  device?: Runtime;
  /**
   * Without `device`: the adapter, as its number in `webgpu-dec info --adapters` ("1") or a
   * substring of its name; else env WEBGPU_DEC_ADAPTER (see DeviceOptions.adapter).
   */
  adapter?: string;
}

/** Which device to open, and how its product kernels are chosen. */
export interface OpenOptions extends DeviceOptions {
  /** See chooseProducts: a recorded choice, the cache (default on), a fresh measurement. */
  products?: ChooseOptions;
}

/**
 * Opens a WebGPU device (Dawn) and its dispatch runtime, with the product kernels chosen for the
 * adapter (measured at first use, about two seconds on a CPU adapter, then read from the cache:
 * chooseProducts). Pass it as `device` to several calls to open it once; call `destroy()` on it
 * when done, so that the process can exit.
 * Throws NoAdapterError, naming the fix, where there is no adapter.
 */
export async function openDevice(options: OpenOptions = {}): Promise<Runtime> {
  const rt = await Runtime.create(options);
  try {
    await chooseProducts(rt, options.products);
  } catch (e) {
    rt.destroy();
    throw e;
  }
  return rt;
}

/** Runs `fn` on the chosen device, or on one opened for it and destroyed afterwards. */
export async function withDevice<T>(choice: DeviceChoice, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  if (choice.device) return fn(choice.device);
  const rt = await openDevice({ adapter: choice.adapter });
  try {
    return await fn(rt);
  } finally {
    rt.destroy();
  }
}
