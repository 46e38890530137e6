// The product kernel of each class of products, chosen by measurement on the adapter at hand: every
// kernel the adapter can run is checked against float64 (matmul-check.ts; one that disagrees is
// refused), then timed at each class's representative shape (CLASS_SHAPES), and the fastest
// replaces the rules' kernel (ruleChoice) where it is at least 10 % faster; split-K likewise. About
// two seconds on lavapipe (half of it the float64 references), a fraction of one on a GPU; the
// result is cached per adapter, driver and package version (./matmul-cache.ts), so later runs
// read it instead.
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
} from './matmul-classes.js';
import { readCachedChoice, writeCachedChoice, type CacheLookup } from './matmul-cache.js';
import { matmulInto, splitKFor } from './matmul.js';
import { checkShapes, disagreement, productReference, type ProductFn } from './matmul-check.js';

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
 * Checks every available kernel against a float64 product at each class's shape (matmul-check.ts)
 * and refuses, for every class, one that disagrees; times the others on every class of products
 * and returns, per class, the rules' kernel unless another is at least 10 % faster (split-K
 * likewise), or the fastest that passed where the rules' kernel was refused. Classes not reached
 * within `budgetMs` keep the rules' choice (without timings), checked all the same. `product`
 * records one product (the tests hand in a broken kernel).
 */
export async function measureProducts(rt: Runtime, budgetMs = MEASURE_BUDGET_MS, product?: ProductFn): Promise<ProductChoice> {
  const start = performance.now();
  const rules = ruleChoice({ subgroupSize: rt.gpu.subgroupSize, isSoftware: rt.gpu.isSoftware });
  const forced = rt.splitK;
  const run: ProductFn =
    product ??
    ((kernel, a, b, c, s, split) => {
      rt.splitK = split;
      matmulInto(rt, a, b, c, s.M, s.N, s.K, { transA: s.transA, transB: s.transB }, kernel);
    });
  const sizes = PRODUCT_CLASSES.map((c) => CLASS_SHAPES[c]);
  const host = [Math.max(...sizes.map((s) => s.M * s.K)), Math.max(...sizes.map((s) => s.K * s.N))].map(fillValues);
  const [a, b, out] = [...host, fillValues(Math.max(...sizes.map((s) => s.M * s.N)))].map((v) => {
    const buf = rt.acquire(v.length * 4);
    rt.write(buf, v);
    return buf;
  });
  const refused: Partial<Record<MatmulKernel, string>> = {};
  const classes = {} as Record<ProductClass, ClassChoice>;
  try {
    for (const cls of PRODUCT_CLASSES) {
      const s = CLASS_SHAPES[cls];
      const refs = checkShapes(s).map((shape) => productReference(host[0], host[1], shape));
      /** Whether the kernel (split or not) agrees with float64 here; one that does not is refused everywhere. */
      const agrees = async (k: MatmulKernel, split: boolean): Promise<boolean> => {
        if (refused[k]) return false;
        for (const ref of refs) {
          const why = await disagreement(rt, run, k, split, a, b, out, ref);
          if (why) {
            refused[k] = `${cls} ${why}`;
            return false;
          }
        }
        return true;
      };
      const rule = rules.classes[cls];
      const splits = splitKFor(s.M, s.N, s.K) > 1;
      if (performance.now() - start >= budgetMs) {
        // Out of time: the rule for this class, unmeasured, or else the first kernel that agrees.
        const kernel = (await agrees(rule.kernel, false)) ? rule.kernel : await firstAgreeing(availableMatmulKernels(rt.gpu), (k) => agrees(k, false));
        classes[cls] = { kernel, splitK: kernel === rule.kernel && rule.splitK && (!splits || (await agrees(kernel, true))) };
        continue;
      }
      const runner = (kernel: MatmulKernel, split: boolean) => {
        let reps = 1;
        const time = async (n: number) => {
          const t0 = performance.now();
          for (let r = 0; r < n; r++) run(kernel, a, b, out, s, split);
          await rt.sync();
          return (performance.now() - t0) / n;
        };
        return {
          /** Compiles the pipeline, then sizes a sample (several products on a fast GPU). */
          async warm() {
            await time(1);
            reps = Math.min(64, Math.max(1, Math.ceil(SAMPLE_MS / Math.max(await time(1), 1e-3))));
          },
          sample: () => time(reps),
        };
      };
      // Rounds over the kernels, each kernel once per round, so that a burst of other work on a
      // shared machine slows every kernel alike; each kernel's best sample counts, and a kernel
      // more than SLOWER × the best so far leaves the rounds.
      const contenders = new Map<string, { r: ReturnType<typeof runner>; ms: number }>();
      for (const k of availableMatmulKernels(rt.gpu)) {
        if (!(await agrees(k, false))) continue;
        const r = runner(k, false);
        await r.warm();
        contenders.set(k, { r, ms: Infinity });
      }
      if (contenders.size === 0) throw new Error(`no product kernel agrees with float64 on this adapter (${Object.values(refused).join('; ')})`);
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
          // Split-K joins the rounds with the kernel leading after the first, where it agrees split.
          const lead = [...contenders.entries()].sort((x, y) => x[1].ms - y[1].ms)[0][0] as MatmulKernel;
          if (await agrees(lead, true)) {
            const r = runner(lead, true);
            await r.warm();
            contenders.set(`${lead}+split`, { r, ms: await r.sample() });
          } else contenders.delete(lead);
        }
      }
      for (const [k, c] of contenders) ms[k] = c.ms;
      // The rule's kernel stays unless another is clearly faster: where two kernels are within the
      // noise of a shared machine, every machine of a kind then runs the same arithmetic.
      const passed = availableMatmulKernels(rt.gpu).filter((k) => !refused[k] && ms[k] !== undefined);
      if (!passed.length) throw new Error(`no product kernel agrees with float64 on this adapter (${Object.values(refused).join('; ')})`);
      const fastest = passed.reduce((x, y) => (ms[y] < ms[x] ? y : x));
      const kernel = refused[rule.kernel] || !(ms[fastest] >= CLEAR_WIN * ms[rule.kernel]) ? fastest : rule.kernel;
      const split = refused[kernel] ? undefined : ms[`${kernel}+split`];
      // (Split-K is timed with the kernel leading after the first round; for another, the rule's,
      // where it agrees split.)
      let splitK = kernel === rule.kernel && rule.splitK && splits;
      if (split !== undefined) splitK = rule.splitK ? !(ms[kernel] < CLEAR_WIN * split) : split < CLEAR_WIN * ms[kernel];
      if (splitK && splits && !(await agrees(kernel, true))) splitK = false;
      for (const k in ms) ms[k] = +ms[k].toPrecision(4);
      classes[cls] = { kernel, splitK, ms };
    }
  } finally {
    rt.splitK = forced;
    [a, b, out].forEach((buf) => rt.release(buf));
  }
  // A kernel refused after an earlier class chose it leaves that class too.
  for (const cls of PRODUCT_CLASSES) {
    if (!refused[classes[cls].kernel]) continue;
    const kernel = availableMatmulKernels(rt.gpu).find((k) => !refused[k])!;
    classes[cls] = { kernel, splitK: false, ...(classes[cls].ms ? { ms: classes[cls].ms } : {}) };
  }
  return { source: 'measured', classes, ...(Object.keys(refused).length ? { refused } : {}) };
}

/** The first kernel of `kernels` that `agrees` passes. */
async function firstAgreeing(kernels: MatmulKernel[], agrees: (k: MatmulKernel) => Promise<boolean>): Promise<MatmulKernel> {
  for (const k of kernels) if (await agrees(k)) return k;
  throw new Error('no product kernel agrees with float64 on this adapter');
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

/** Warnings already given by this process (a library user opening many devices hears each once). */
const warned = new Set<string>();
function warnOnce(line: string): void {
  if (warned.has(line)) return;
  warned.add(line);
  process.stderr.write(line + '\n');
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
  let refused: CacheLookup | null = null;
  if (cache) {
    // read with --measure too: a path that is not a regular file is left alone, and said so
    const hit = readCachedChoice(rt.gpu);
    if (hit.choice && !opts.refresh) return set({ choice: hit.choice, how: `${fallback}from the cache ${hit.file} (measured ${hit.measured})` });
    damaged = hit.status === 'damaged' && !opts.refresh;
    if (hit.status === 'refused') {
      refused = hit;
      // One line on stderr, whichever door opened the device: a cache that can never be used makes
      // every run measure again, which its owner should hear about (the command goes on).
      warnOnce(`webgpu-dec: warning: the kernel cache ${hit.file} is ${hit.refused}, not a regular file; ignored and left as it is (the product kernels are measured for this run); remove it or set WEBGPU_DEC_CACHE_DIR`);
    }
  }
  const t0 = performance.now();
  const choice = await measureProducts(rt, opts.budgetMs);
  const measureMs = performance.now() - t0;
  let how = `${fallback}measured now in ${(measureMs / 1000).toFixed(1)} s`;
  if (refused) how += `; the cache ${refused.file} is ${refused.refused}, so not cached`;
  else if (cache) {
    const file = writeCachedChoice(rt.gpu, choice);
    how += file ? (damaged ? `; the damaged cache ${file} was ignored and rewritten` : `; cached in ${file}`) : '; the cache folder is not writable, so not cached';
  }
  return set({ choice, how, measureMs });
}
