import { defineConfig } from 'vitest/config';

// One test file at a time: each process that opens a device gets its own llvmpipe thread pool, and
// on a 2-core machine several pools only fight over the cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
