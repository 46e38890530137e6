// What several commands share about reading data: --gpu-memory and the progress of a long read.
import type { ReadOptions } from '../data/load.js';
import type { Flags } from './args.js';
import { say } from './reporter.js';

/** --gpu-memory, taken by every command that reads a data file. */
export const GPU_MEMORY_FLAG = { kind: 'size', help: "the GPU memory the data's values may take (float32; 8-bit data a quarter of that), e.g. 40G or 800M (default: a quarter of host memory); data over it are read from the file for every pass (out-of-core)" } as const;

/** How a command reads its data file: --gpu-memory, and a line on stderr every few seconds of a long pass. */
export function readOptionsOf(f: Flags, file: string): ReadOptions {
  return {
    gpuMemory: f['gpu-memory'] as number | undefined,
    onProgress: (rows, seconds) => say(`reading ${file}: ${rows.toLocaleString('en-US')} rows checked in ${seconds.toFixed(0)} s`),
  };
}
