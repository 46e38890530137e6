// `webgpu-dec bench`: the benchmark suites of bench/ (they ship in the package as dist/bench), which
// parse their own flags (bench/run.ts parseBenchArgs); the tfjs peer is used where it is installed.
import { UsageError } from './args.js';

export const benchUsage = `usage: webgpu-dec bench [--suite matmul,training,robustness,wait] [--only SUBSTRING] [--quick] [--json FILE] [--adapter N|NAME]

Runs the benchmark suites on one adapter, in one process: our kernels, a naive kernel and the
@tensorflow/tfjs-backend-webgpu peer where it is installed, and prints a markdown table of medians
with ratios on stdout.

  --suite LIST         the suites to run, comma-separated: matmul, training, robustness, wait
                       (default all four)
  --only SUBSTRING     only the matrix products whose name contains this (e.g. 256x784x500)
  --quick              fewer and shorter samples (a smoke run, not figures to quote)
  --json FILE          also write the figures to FILE
  --adapter N|NAME     the adapter: its number in webgpu-dec info --adapters, or a substring of
                       its name (case matters); else env WEBGPU_DEC_ADAPTER, read the same way`;

export async function benchCommand(args: string[]): Promise<number> {
  const { parseBenchArgs, runBench } = await import('../../bench/run.js');
  let opts;
  try {
    opts = parseBenchArgs(args);
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; see webgpu-dec bench --help`);
  }
  return runBench(opts);
}
