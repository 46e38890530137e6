// Timing with benchmark.js: deferred (async) benchmarks, at least `minSamples` samples, and the
// median, min and max of the per-run times (benchmark.js's own figure is a mean).
import Benchmark from 'benchmark';

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  samples: number;
}

export interface MeasureOptions {
  minSamples: number;
  maxTimeS: number;
}

/** Times one async operation (which must wait for the GPU before resolving). */
export function measure(name: string, op: () => Promise<void>, o: MeasureOptions): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const bench = new Benchmark(name, {
      defer: true,
      minSamples: o.minSamples,
      maxTime: o.maxTimeS,
      initCount: 1,
      fn: (deferred: { resolve(): void }) => {
        op().then(
          () => deferred.resolve(),
          (e) => {
            bench.abort();
            reject(e);
          },
        );
      },
    });
    bench.on('complete', () => {
      const s = [...bench.stats.sample].sort((a, b) => a - b).map((v) => v * 1000);
      if (!s.length) return reject(new Error(`${name}: no samples`));
      const mid = s.length >> 1;
      const medianMs = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
      resolve({ medianMs, minMs: s[0], maxMs: s[s.length - 1], samples: s.length });
    });
    bench.on('error', (e: { target: { error: unknown } }) => reject(e.target.error));
    bench.run({ async: true });
  });
}
