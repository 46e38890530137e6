import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// One test file at a time: each process that opens a device gets its own llvmpipe thread pool, and
// on a 2-core machine several pools only fight over the cores.
// The product-kernel cache (src/tensor/ops/matmul-cache.ts) goes to a folder of this test run, not the
// user's: the run measures once, in its first command or library call, and reuses that after.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    env: { WEBGPU_DEC_CACHE_DIR: process.env.WEBGPU_DEC_CACHE_DIR ?? mkdtempSync(join(tmpdir(), 'webgpu-dec-cache-')) },
  },
});
