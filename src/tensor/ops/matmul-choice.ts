// The product kernel of each class of products, chosen by measurement on the adapter at hand: every
// kernel the adapter can run is timed at each class's representative shape (CLASS_SHAPES), and the
// fastest replaces the rules' kernel (ruleChoice) where it is at least 10 % faster; split-K likewise. About a second on
// lavapipe, a fraction of one on a GPU; the result is cached per adapter, driver and package
// version (src/gpu/kernel-cache.ts), so later runs read it instead.
import { performance } from 'node:perf_hooks';
import type { Runtime } from '../../gpu/runtime.js';
import {
  availableMatmulKernels,
  CLASS_SHAPES,
  envMatmulKernel,
  parseChoice,
  PRODUCT_CLASSES,
  ruleChoice,
  type ClassChoice,
  type MatmulKernel,
  type ProductChoice,
  type ProductClass,
} from '../../gpu/kernel-choice.js';
import { readCachedChoice, writeCachedChoice } from '../../gpu/kernel-cache.js';
import { matmulInto, splitKFor } from './matmul.js';

/** The measurement's time budget: classes not reached by then keep the rules' kernel. */
export const MEASURE_BUDGET_MS = 2000;

/** A sample lasts at least this long (several products per submit on a fast GPU). */
const SAMPLE_MS = 2;
const SAMPLES = 3;
/** A kernel this much slower than the best after a round is not timed again. */
const SLOWER = 1.5;
/** Another kernel than the rule's, or split-K where the rule has none (or none where it has), must be this much faster. */
const CLEAR_WIN = 0.9;

/** A deterministic fill in [-1, 1): the values do not matter to the timing, only that they are finite. */
function fillValues(n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (((i * 2654435761) >>> 0) / 2 ** 32) * 2 - 1;
  return v;
}

/**
 * Times every available kernel on every class of products and returns, per class, the rules'
 * kernel unless another is at least 10 % faster (split-K likewise). Classes not reached within
 * `budgetMs` keep the rules' choice (without timings).
 */
export async function measureProducts(rt: Runtime, budgetMs = MEASURE_BUDGET_MS): Promise<ProductChoice> {
  const start = performance.now();
  const rules = ruleChoice({ subgroupSize: rt.gpu.subgroupSize, isSoftware: rt.gpu.isSoftware });
  const kernelsHere = availableMatmulKernels(rt.gpu);
  const sizes = PRODUCT_CLASSES.map((c) => CLASS_SHAPES[c]);
  const [a, b, out] = [
    Math.max(...sizes.map((s) => s.M * s.K)),
    Math.max(...sizes.map((s) => s.K * s.N)),
    Math.max(...sizes.map((s) => s.M * s.N)),
  ].map((n) => {
    const buf = rt.acquire(n * 4);
    rt.write(buf, fillValues(n));
    return buf;
  });
  const forced = rt.splitK;
  const classes = {} as Record<ProductClass, ClassChoice>;
  try {
    for (const cls of PRODUCT_CLASSES) {
      if (performance.now() - start >= budgetMs) {
        classes[cls] = rules.classes[cls]; // out of time: the rule for this class, unmeasured
        continue;
      }
      const s = CLASS_SHAPES[cls];
      const runner = (kernel: MatmulKernel, split: boolean) => {
        let reps = 1;
        const run = async (n: number) => {
          rt.splitK = split;
          const t0 = performance.now();
          for (let r = 0; r < n; r++) matmulInto(rt, a, b, out, s.M, s.N, s.K, { transA: s.transA, transB: s.transB }, kernel);
          await rt.sync();
          return (performance.now() - t0) / n;
        };
        return {
          /** Compiles the pipeline, then sizes a sample (several products on a fast GPU). */
          async warm() {
            await run(1);
            reps = Math.min(64, Math.max(1, Math.ceil(SAMPLE_MS / Math.max(await run(1), 1e-3))));
          },
          sample: () => run(reps),
        };
      };
      // Rounds over the kernels, each kernel once per round, so that a burst of other work on a
      // shared machine slows every kernel alike; each kernel's best sample counts, and a kernel
      // more than SLOWER × the best so far leaves the rounds.
      const contenders = new Map<string, { r: ReturnType<typeof runner>; ms: number }>();
      for (const k of kernelsHere) {
        const r = runner(k, false);
        await r.warm();
        contenders.set(k, { r, ms: Infinity });
      }
      const splits = splitKFor(s.M, s.N, s.K) > 1;
      const ms: Record<string, number> = {};
      for (let round = 0; round < SAMPLES; round++) {
        for (const c of contenders.values()) c.ms = Math.min(c.ms, await c.r.sample());
        const best = Math.min(...[...contenders.values()].map((c) => c.ms));
        for (const [k, c] of contenders) {
          if (c.ms > SLOWER * best) {
            ms[k] = c.ms;
            contenders.delete(k);
          }
        }
        if (round === 0 && splits) {
          // Split-K joins the rounds with the kernel leading after the first.
          const lead = [...contenders.entries()].sort((x, y) => x[1].ms - y[1].ms)[0][0];
          const r = runner(lead as MatmulKernel, true);
          await r.warm();
          contenders.set(`${lead}+split`, { r, ms: await r.sample() });
        }
      }
      for (const [k, c] of contenders) ms[k] = c.ms;
      // The rule's kernel stays unless another is clearly faster: where two kernels are within the
      // noise of a shared machine, every machine of a kind then runs the same arithmetic.
      const fastest = kernelsHere.reduce((x, y) => (ms[y] < ms[x] ? y : x));
      const rule = rules.classes[cls];
      const kernel = ms[fastest] < CLEAR_WIN * ms[rule.kernel] ? fastest : rule.kernel;
      const split = ms[`${kernel}+split`];
      // (Split-K is timed with the kernel leading after the first round; for another, the rule's.)
      let splitK = kernel === rule.kernel && rule.splitK;
      if (split !== undefined) splitK = rule.splitK ? !(ms[kernel] < CLEAR_WIN * split) : split < CLEAR_WIN * ms[kernel];
      for (const k in ms) ms[k] = +ms[k].toPrecision(4);
      classes[cls] = { kernel, splitK, ms };
    }
  } finally {
    rt.splitK = forced;
    [a, b, out].forEach((buf) => rt.release(buf));
  }
  return { source: 'measured', classes };
}

/** How chooseProducts came to its choice, for the commands to say. */
export interface ProductsReport {
  choice: ProductChoice;
  /** One line: where the choice came from. */
  how: string;
  /** Milliseconds the measurement took, where one ran. */
  measureMs?: number;
}

/** How chooseProducts may decide. */
export interface ChooseOptions {
  /** A choice recorded by a run (its config), used as it is where this adapter can run it. */
  recorded?: unknown;
  /** Read and write the cache (default true); false measures every time. */
  cache?: boolean;
  /** Measure even where the cache has this adapter, and rewrite its entry. */
  refresh?: boolean;
  budgetMs?: number;
}

/**
 * Sets `rt.products`: WEBGPU_DEC_MATMUL's kernel where set; else the recorded choice (a resumed
 * run); else this adapter's cached choice; else a measurement, then cached.
 */
export async function chooseProducts(rt: Runtime, opts: ChooseOptions = {}): Promise<ProductsReport> {
  const set = (r: ProductsReport): ProductsReport => {
    rt.products = { ...r.choice, how: r.how };
    return r;
  };
  if (envMatmulKernel(rt.gpu)) return set({ choice: ruleChoice(rt.gpu), how: `WEBGPU_DEC_MATMUL=${process.env.WEBGPU_DEC_MATMUL}: that kernel for every product` });
  let fallback = '';
  if (opts.recorded !== undefined) {
    const choice = parseChoice(opts.recorded, rt.gpu, 'config');
    if (choice) return set({ choice, how: "the run's recorded choice (its config)" });
    fallback = "the run's recorded choice needs a kernel this adapter lacks; ";
  }
  const cache = opts.cache ?? true;
  let damaged = false;
  if (cache && !opts.refresh) {
    const hit = readCachedChoice(rt.gpu);
    if (hit.choice) return set({ choice: hit.choice, how: `${fallback}from the cache ${hit.file} (measured ${hit.measured})` });
    damaged = hit.status === 'damaged';
  }
  const t0 = performance.now();
  const choice = await measureProducts(rt, opts.budgetMs);
  const measureMs = performance.now() - t0;
  let how = `${fallback}measured now in ${(measureMs / 1000).toFixed(1)} s`;
  if (cache) {
    const file = writeCachedChoice(rt.gpu, choice);
    how += file ? (damaged ? `; the damaged cache ${file} was ignored and rewritten` : `; cached in ${file}`) : '; the cache folder is not writable, so not cached';
  }
  return set({ choice, how, measureMs });
}
