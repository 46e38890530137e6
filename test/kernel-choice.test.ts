// Which product kernel each class of products gets: the classes, the rules used before a
// measurement, the measurement, its cache (hit, damaged, per adapter), the WEBGPU_DEC_MATMUL
// override, a run's recorded choice, and `webgpu-dec info` showing all of it.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  availableMatmulKernels,
  choiceRecord,
  CLASS_SHAPES,
  PRODUCT_CLASSES,
  productClass,
  ruleChoice,
  uniformChoice,
  type ProductClass,
} from '../src/tensor/ops/matmul-classes.js';
import { adapterKey, cacheFile, MAX_CACHE_BYTES, readCachedChoice, writeCachedChoice } from '../src/tensor/ops/matmul-cache.js';
import type { GpuDevice } from '../src/gpu/device.js';
import type { Runtime } from '../src/gpu/runtime.js';
import { kernelFor, splitsFor } from '../src/tensor/ops/matmul.js';
import { describeChoice } from '../src/tensor/ops/matmul-classes.js';
import { chooseProducts, measureProducts } from '../src/tensor/ops/matmul-choice.js';
import type { ProductFn } from '../src/tensor/ops/matmul-check.js';
import { matmulInto } from '../src/tensor/ops/matmul.js';
import { FAMILIES as F } from './families.js';
import { productTable } from '../src/cli/info.js';
import { useRuntime } from './helpers.js';

/** An adapter as the rules see it (the description names it for the reader). */
function adapter(description: string, subgroupSize: number | null, software = true): GpuDevice {
  return { info: { description }, subgroupSize, isSoftware: software } as unknown as GpuDevice;
}

describe('product classes', () => {
  it("sort DEC's products: forward wide, the embedding narrow, K = 10 shallow, the gradients by transpose", () => {
    expect(productClass({ M: 256, N: 500, K: 784 })).toBe('wide');
    expect(productClass({ M: 256, N: 10, K: 2000 })).toBe('narrow');
    expect(productClass({ M: 2000, N: 10, K: 256, transA: true })).toBe('narrow'); // the embedding's dW
    expect(productClass({ M: 256, N: 2000, K: 10 })).toBe('shallow');
    expect(productClass({ M: 256, N: 2000, K: 10, transB: true })).toBe('shallow'); // the embedding's dX
    expect(productClass({ M: 784, N: 500, K: 256, transA: true })).toBe('grad-weight');
    expect(productClass({ M: 256, N: 500, K: 2000, transB: true })).toBe('grad-input');
    expect(productClass({ M: 64, N: 64, K: 4096 })).toBe('deep');
    expect(productClass({ M: 256, N: 256, K: 1000 })).toBe('wide'); // K < 4 × max(M, N)
  });
  it('each class is timed at a shape of its own class', () => {
    for (const c of PRODUCT_CLASSES) expect(productClass(CLASS_SHAPES[c])).toBe(c);
  });
});

describe('the rules (before a measurement)', () => {
  afterEach(() => void delete process.env.WEBGPU_DEC_MATMUL);

  it('lavapipe with subgroups: subgroup for wide products, blocked for narrow and shallow; without them: blocked; no split', () => {
    const lavapipe = ruleChoice(adapter('llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)', 8));
    expect(lavapipe.classes.wide).toEqual({ kernel: 'subgroup', splitK: false });
    expect(lavapipe.classes.narrow.kernel).toBe('blocked');
    expect(lavapipe.classes.shallow.kernel).toBe('blocked');
    expect(lavapipe.classes['grad-weight'].kernel).toBe('subgroup');
    expect(Object.values(ruleChoice(adapter('llvmpipe: Mesa 22.3.6', null)).classes).map((c) => c.kernel)).toEqual(PRODUCT_CLASSES.map(() => 'blocked'));
  });
  it('GPUs: tiled, deep products split', () => {
    for (const c of Object.values(ruleChoice(adapter('NVIDIA: 580.159.04', 32, false)).classes)) expect(c).toEqual({ kernel: 'tiled', splitK: true });
  });
  it('WEBGPU_DEC_MATMUL names the kernel of every class, and is refused where the adapter cannot run it', () => {
    process.env.WEBGPU_DEC_MATMUL = 'tiled';
    const forced = ruleChoice(adapter('llvmpipe: Mesa 25.0.7', 8));
    expect(forced.source).toBe('env');
    expect(Object.values(forced.classes).map((c) => c.kernel)).toEqual(PRODUCT_CLASSES.map(() => 'tiled'));
    process.env.WEBGPU_DEC_MATMUL = 'subgroup';
    expect(() => ruleChoice(adapter('llvmpipe: Mesa 25.0.7', null))).toThrow(/no subgroups/);
    process.env.WEBGPU_DEC_MATMUL = 'fast';
    expect(() => ruleChoice(adapter('llvmpipe: Mesa 25.0.7', 8))).toThrow(/use one of blocked, subgroup, tiled/);
  });
});

describe("matmul 'auto' follows the choice of the product's class", () => {
  const choice = uniformChoice('subgroup', false, 'measured');
  choice.classes.narrow = { kernel: 'blocked', splitK: true };
  const rt = { products: choice, splitK: 'auto', gpu: { subgroupSize: 8 } } as unknown as Runtime;
  it('the kernel', () => {
    expect(kernelFor(rt, 'auto', { M: 256, N: 500, K: 784 })).toBe('subgroup');
    expect(kernelFor(rt, 'auto', { M: 256, N: 10, K: 2000 })).toBe('blocked');
    expect(kernelFor(rt, 'tiled', { M: 256, N: 10, K: 2000 })).toBe('tiled'); // named kernels are taken as named
  });
  it('split-K where the class says so (or where forced), for deep products only', () => {
    expect(splitsFor(rt, { M: 256, N: 10, K: 2000 })).toBeGreaterThan(1);
    expect(splitsFor(rt, { M: 256, N: 10, K: 256 })).toBe(1); // too shallow to split
    expect(splitsFor(rt, { M: 64, N: 64, K: 4096 })).toBe(1); // the deep class is not split here
    rt.splitK = true;
    expect(splitsFor(rt, { M: 64, N: 64, K: 4096 })).toBeGreaterThan(1);
    rt.splitK = false;
    expect(splitsFor(rt, { M: 256, N: 10, K: 2000 })).toBe(1);
  });
});

describe('the measured choice on this adapter, and its cache', () => {
  const rt = useRuntime();
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dec-cache-'));
    process.env.WEBGPU_DEC_CACHE_DIR = dir;
  });
  afterEach(() => {
    delete process.env.WEBGPU_DEC_MATMUL;
  });

  it("times every available kernel on every class; keeps the rule's kernel unless another is 10 % faster", async () => {
    const c = await measureProducts(rt(), 30_000); // every class, even on a busy machine
    expect(c.source).toBe('measured');
    const rules = ruleChoice(rt().gpu);
    for (const cls of PRODUCT_CLASSES) {
      const { kernel, ms } = c.classes[cls];
      const kernels = availableMatmulKernels(rt().gpu);
      expect(Object.keys(ms!)).toEqual(expect.arrayContaining(kernels));
      const fastest = Math.min(...kernels.map((k) => ms![k]));
      if (kernel === rules.classes[cls].kernel) expect(fastest, cls).toBeGreaterThanOrEqual(0.9 * ms![kernel] * 0.999); // (ms rounded to 4 digits)
      else expect(ms![kernel], cls).toBe(fastest);
    }
  });
  it('a class not reached within the time budget keeps the rule', async () => {
    const c = await measureProducts(rt(), 0);
    expect(choiceRecord(c)).toEqual(choiceRecord(ruleChoice(rt().gpu)));
    for (const cls of PRODUCT_CLASSES) expect(c.classes[cls].ms).toBeUndefined();
  });
  it('measures once, then reads the cache without dispatching; a damaged cache is ignored and rewritten', async () => {
    const first = await chooseProducts(rt());
    expect(first.how).toMatch(/^measured now in [\d.]+ s; cached in /);
    expect(rt().products.source).toBe('measured');
    const file = cacheFile();
    expect(file.startsWith(dir)).toBe(true);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(saved.entries)).toEqual([adapterKey(rt().gpu)]);

    const before = rt().stats.dispatches;
    const second = await chooseProducts(rt());
    expect(rt().stats.dispatches).toBe(before);
    expect(second.how).toMatch(/^from the cache .*kernels\.json \(measured \d{4}-/);
    expect(choiceRecord(second.choice)).toEqual(choiceRecord(first.choice));

    writeFileSync(file, '{"format": "webgpu-dec-kernels/2", "entries": {');
    const third = await chooseProducts(rt());
    expect(third.how).toMatch(/measured now .*the damaged cache .* was ignored and rewritten/);
    expect(JSON.parse(readFileSync(file, 'utf8')).entries[adapterKey(rt().gpu)]).toBeDefined();
    // An entry naming a kernel this adapter lacks is damaged too.
    const bad = JSON.parse(readFileSync(file, 'utf8'));
    bad.entries[adapterKey(rt().gpu)].classes.wide.kernel = 'warp-speed';
    writeFileSync(file, JSON.stringify(bad));
    expect((await chooseProducts(rt())).how).toMatch(/ignored and rewritten/);
  });
  it("other adapters' entries are kept", async () => {
    writeFileSync(join(dir, 'kernels.json'), JSON.stringify({ format: 'webgpu-dec-kernels/2', entries: { 'another | adapter': { measured: 'x', classes: {} } } }));
    await chooseProducts(rt());
    expect(Object.keys(JSON.parse(readFileSync(cacheFile(), 'utf8')).entries).sort()).toEqual([adapterKey(rt().gpu), 'another | adapter'].sort());
  });
  it('a cache of the format before the kernels were checked is measured (and checked) again', async () => {
    await chooseProducts(rt());
    const file = cacheFile();
    const old = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...old, format: 'webgpu-dec-kernels/1' }));
    const again = await chooseProducts(rt());
    expect(again.how).toMatch(/^measured now in [\d.]+ s; cached in /); // not "damaged"
    expect(JSON.parse(readFileSync(file, 'utf8')).format).toBe('webgpu-dec-kernels/2');
  });
  it('WEBGPU_DEC_MATMUL wins over the cache, and writes nothing', async () => {
    process.env.WEBGPU_DEC_MATMUL = 'blocked';
    const r = await chooseProducts(rt());
    expect(r.how).toMatch(/WEBGPU_DEC_MATMUL=blocked/);
    expect(Object.values(rt().products.classes).map((c) => c.kernel)).toEqual(PRODUCT_CLASSES.map(() => 'blocked'));
    expect(existsSync(cacheFile())).toBe(false);
  });
  it("a run's recorded choice is used as recorded (resume), unless this adapter cannot run it", async () => {
    const recorded = choiceRecord(uniformChoice('blocked', false, 'config'));
    recorded.classes['grad-input' as ProductClass] = { kernel: 'tiled', splitK: true };
    const r = await chooseProducts(rt(), { recorded });
    expect(r.how).toMatch(/recorded choice/);
    expect(choiceRecord(rt().products)).toEqual(recorded);
    expect(existsSync(cacheFile())).toBe(false);
    recorded.classes.wide.kernel = 'warp-speed' as 'tiled';
    expect((await chooseProducts(rt(), { recorded })).how).toMatch(/needs a kernel this adapter lacks; measured now/);
  });
});

// A product kernel written the way the subgroup kernel once was: one output per invocation, its
// column taken from its lane id as if every subgroup held 32 invocations. Right where subgroups are
// 32 wide; on an adapter that runs them 4, 8 or 16 wide, most columns are never written.
const BROKEN = `enable subgroups;
struct Dims { M: u32, N: u32, K: u32, chunk: u32 }
@group(0) @binding(0) var<uniform> D: Dims;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
override TRANS_A: bool = false;
override TRANS_B: bool = false;
@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let row = wg.y;
  let col = wg.x * 32u + lane;
  if (row >= D.M || col >= D.N) { return; }
  var s = 0.0;
  for (var k = 0u; k < D.K; k++) {
    s += A[select(row * D.K + k, k * D.M + row, TRANS_A)] * B[select(k * D.N + col, col * D.K + k, TRANS_B)];
  }
  C[row * D.N + col] = s;
}`;

describe('a kernel that gives wrong products on this adapter', () => {
  const rt = useRuntime();
  it('is refused before the choice, for every class, and named in info and the config', async (ctx) => {
    if (!rt().gpu.subgroupSize || rt().gpu.subgroupSize! >= 32) ctx.skip(); // its assumption holds at 32
    const broken = { file: 'broken-product', entry: 'main', bindings: ['uniform', 'read', 'read', 'rw'] as const, code: BROKEN };
    const product: ProductFn = (kernel, a, b, c, s, split) => {
      if (kernel !== 'subgroup') {
        rt().splitK = split;
        matmulInto(rt(), a, b, c, s.M, s.N, s.K, { transA: s.transA, transB: s.transB }, kernel);
        return;
      }
      rt().dispatch(broken, [F.matmul.params({ M: s.M, N: s.N, K: s.K }), a, b, c], [Math.ceil(s.N / 32), s.M], { TRANS_A: !!s.transA, TRANS_B: !!s.transB });
    };
    const c = await measureProducts(rt(), 0, product); // even the classes past the budget are checked
    expect(c.refused?.subgroup).toMatch(/^wide 256×256×784: element \(\d+, \d+\) is \S+ where float64 gives \S+$/);
    for (const cls of PRODUCT_CLASSES) expect(c.classes[cls].kernel, cls).not.toBe('subgroup');
    expect(c.refused?.blocked).toBeUndefined();
    expect(productTable(c).at(-1)).toMatch(/^refused: {7}subgroup, wrong products on this adapter: wide 256×256×784: element/);
    expect(describeChoice(c)).toMatch(/; refused \(wrong products on this adapter\): subgroup$/);
    expect(choiceRecord(c).refused).toEqual(c.refused);
    // The kernels as they are agree with float64 here, and nothing is refused.
    expect((await measureProducts(rt(), 0)).refused).toBeUndefined();
  });
});

describe('webgpu-dec info', () => {
  const info = (env: Record<string, string>, args: string[] = []) =>
    spawnSync(process.execPath, ['bin/webgpu-dec.js', 'info', ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });

  it('shows the measured choice per class; a second call reads the cache and says so; --measure measures again; the override wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dec-cache-'));
    const first = info({ WEBGPU_DEC_CACHE_DIR: dir });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/products: {6}measured now in [\d.]+ s; cached in .*kernels\.json/);
    // (On a busy machine the first use may leave classes past its two seconds to the rules.)
    for (const c of PRODUCT_CLASSES) expect(first.stdout).toMatch(new RegExp(`^  ${c} +.+ (blocked|subgroup|tiled) +(yes|no) +(.*blocked [\\d.]+|\\(not measured\\))`, 'm'));
    const second = info({ WEBGPU_DEC_CACHE_DIR: dir });
    expect(second.stdout).toMatch(/products: {6}from the cache .*kernels\.json \(measured /);
    const again = info({ WEBGPU_DEC_CACHE_DIR: dir }, ['--measure']).stdout;
    expect(again).toMatch(/products: {6}measured now/);
    for (const c of PRODUCT_CLASSES) expect(again).toMatch(new RegExp(`^  ${c} +.+ (blocked|subgroup|tiled) +(yes|no) +.*blocked [\\d.]+`, 'm'));
    const forced = info({ WEBGPU_DEC_CACHE_DIR: dir, WEBGPU_DEC_MATMUL: 'tiled' });
    expect(forced.stdout).toMatch(/products: {6}WEBGPU_DEC_MATMUL=tiled/);
    expect(forced.stdout).toMatch(/^ {2}wide +.+ tiled +/m);
  });
});

describe('a kernel cache path that is not a regular file (hostile or broken): ignored, left as it is, said once', () => {
  const gpu = { info: { vendor: 'v', architecture: 'a', device: 'd', description: 'test adapter' }, subgroupSize: 4 } as unknown as GpuDevice;
  /** A cache folder whose kernels.json is a link to /dev/zero, and one whose kernels.json is a FIFO (null where mkfifo is missing). */
  function hostile(): { zero: string; fifo: string | null } {
    const zero = mkdtempSync(join(tmpdir(), 'dec-cache-zero-'));
    symlinkSync('/dev/zero', join(zero, 'kernels.json'));
    const fifo = mkdtempSync(join(tmpdir(), 'dec-cache-fifo-'));
    const made = spawnSync('mkfifo', [join(fifo, 'kernels.json')]);
    return { zero, fifo: made.status === 0 ? fifo : null };
  }
  const withCacheDir = <T>(dir: string, fn: () => T): T => {
    const before = process.env.WEBGPU_DEC_CACHE_DIR;
    process.env.WEBGPU_DEC_CACHE_DIR = dir;
    try {
      return fn();
    } finally {
      if (before === undefined) delete process.env.WEBGPU_DEC_CACHE_DIR;
      else process.env.WEBGPU_DEC_CACHE_DIR = before;
    }
  };

  it('the reader refuses a link to /dev/zero and a FIFO without reading them, never writes over them; an oversized file is damaged', () => {
    const { zero, fifo } = hostile();
    const choice = ruleChoice(gpu);
    for (const [dir, what] of [[zero, 'a character device'], [fifo, 'a FIFO (named pipe)']] as const) {
      if (!dir) continue;
      withCacheDir(dir, () => {
        expect(readCachedChoice(gpu)).toMatchObject({ choice: null, status: 'refused', refused: what });
        expect(writeCachedChoice(gpu, choice)).toBeNull();
      });
    }
    expect(readlinkSync(join(zero, 'kernels.json'))).toBe('/dev/zero');
    if (fifo) expect(lstatSync(join(fifo, 'kernels.json')).isFIFO()).toBe(true);
    // a regular file past the bound: not parsed, replaced by the next measurement
    const big = mkdtempSync(join(tmpdir(), 'dec-cache-big-'));
    writeFileSync(join(big, 'kernels.json'), ' '.repeat(MAX_CACHE_BYTES) + JSON.stringify({ format: 'webgpu-dec-kernels/2', entries: {} }));
    withCacheDir(big, () => {
      expect(readCachedChoice(gpu).status).toBe('damaged');
      expect(writeCachedChoice(gpu, choice)).toBe(join(big, 'kernels.json'));
      expect(readCachedChoice(gpu).status).toBe('hit');
    });
    expect(statSync(join(big, 'kernels.json')).size).toBeLessThan(MAX_CACHE_BYTES);
  });

  it('webgpu-dec info with such a cache: finishes (exit 0), one warning line on stderr, the path left as it was', () => {
    const { zero, fifo } = hostile();
    for (const [dir, what] of [[zero, 'a character device'], [fifo, 'a FIFO \\(named pipe\\)']] as const) {
      if (!dir) continue;
      const r = spawnSync(process.execPath, ['bin/webgpu-dec.js', 'info'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, WEBGPU_DEC_CACHE_DIR: dir } });
      expect(r.status, `${r.error ?? ''} ${r.stderr}`).toBe(0); // before the fix: a hang, killed at the timeout
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^webgpu-dec: warning: the kernel cache .*kernels\\.json is ${what}, not a regular file; ignored and left as it is`));
      expect(r.stdout).toMatch(new RegExp(`products: {6}measured now in [\\d.]+ s; the cache .*kernels\\.json is ${what}, so not cached`));
    }
    expect(readlinkSync(join(zero, 'kernels.json'))).toBe('/dev/zero');
    if (fifo) expect(lstatSync(join(fifo, 'kernels.json')).isFIFO()).toBe(true);
  });
});
