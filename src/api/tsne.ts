// t-SNE of an array on the GPU, with the device handled like the library's other calls.
import type { TsneOptions, TsneResult } from '../tsne/tsne.js';
import { mapArray } from '../run/map.js';
import { withDevice, type DeviceChoice } from './device.js';

/** Options of {@link tsne}: the data's shape, the t-SNE settings, the device. */
export interface TsneCallOptions extends TsneOptions, DeviceChoice {
  /** Features per point. */
  d: number;
  /** Points (default: `x.length / d`). */
  n?: number;
}

/**
 * t-SNE of the rows of `x` ([n, d], row-major) on the GPU, with scikit-learn's schedule
 * (perplexity 30, early exaggeration 12 for 250 of 1,000 iterations, PCA initialisation): the map
 * `y` ([n, 2]), its KL divergence and trustworthiness. `method`: 'exact' (every pair; n bounded by
 * one n × n binding), 'fft' (sparse neighbours, FFT-interpolated repulsion; any n), or 'auto'
 * (the default: exact up to 3,000 points).
 */
export async function tsne(x: Float32Array, options: TsneCallOptions): Promise<TsneResult> {
  const { d, n, device, adapter, ...settings } = options;
  return withDevice({ device, adapter }, mapArray(x, d, n, settings));
}
