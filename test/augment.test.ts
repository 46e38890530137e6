// DEC-DA and IDEC: the warps are the run's own (same seed and step, same warps), the IDEC loss and the
// DEC-DA step's gradients match finite differences, and an augmented model assigns its training data
// (clean) as training did. The warp itself against float64: the op table (op-table.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cluster } from '../src/api/cluster.js';
import { predict } from '../src/api/model.js';
import { klLoss } from '../src/dec/dec-ops.js';
import { loadBundledMnist } from '../src/data/mnist.js';
import { stratifiedSubset } from '../src/data/dataset.js';
import { npyBytes } from '../src/data/formats/npy.js';
import { resolveConfig } from '../src/run/config.js';
import { add, augment, DropoutRng, fromArray, matmul, mseLoss, noGrad, warpInto, warpTable, type Tensor } from '../src/tensor/index.js';
import { warpPicture } from '../src/report/montage.js';
import { gradcheck } from './gradcheck.js';
import { expectClose, randomArray, useRuntime } from './helpers.js';
import { augmentDraws, warpRef } from './op-table.js';

const rt = useRuntime();
const opts = { h: 4, w: 5, rotate: 10, shift: 0.1 };

describe('augmentation', () => {
  it('draws its warps from (seed, step): the same pair, the same images; the next step, others', async () => {
    const x = fromArray(rt(), randomArray(3 * 20, 'imgs', 0, 1), 3, 20);
    const warped = async (seed: number, steps: number) => {
      const rng = new DropoutRng(rt(), seed);
      for (let s = 0; s < steps; s++) rng.next();
      const out = await noGrad(() => augment(x, rng, opts)).toArray();
      rng.dispose();
      return Array.from(out);
    };
    const a = await warped(1, 2);
    expect(await warped(1, 2)).toEqual(a);
    expect(await warped(1, 3)).not.toEqual(a);
    expect(await warped(2, 2)).not.toEqual(a);
    // And they are the warps the reference draws for that pair (cos θ and sin θ from the host: the
    // same on every driver, so within f32 rounding of float64).
    const ref = warpRef(randomArray(3 * 20, 'imgs', 0, 1), 3, 4, 5, augmentDraws(3, 4, 5, 10, 0.1, 1, 2));
    expectClose(Float32Array.from(a), ref, { atol: 1e-5, rtol: 1e-5 }, 'augment at (1, 2)');
  });

  it("the report's picture of a warp is the kernel's warp", async () => {
    const [h, w] = [28, 28];
    const px = randomArray(h * w, 'pic', 0, 1);
    const warps = [{ theta: 0.15, tx: 1.5, ty: -2.25 }, { theta: -0.17, tx: -2.8, ty: 0.4 }];
    const [xb, tb, out] = [rt().acquire(2 * h * w * 4), rt().acquire(8 * 4), rt().acquire(2 * h * w * 4)];
    rt().write(xb, Float32Array.from([...px, ...px]));
    rt().write(tb, warpTable(warps));
    warpInto(rt(), xb, tb, 2, h, w, out);
    const gpu = await rt().readF32(out, 2 * h * w);
    [xb, tb, out].forEach((b) => rt().release(b));
    warps.forEach((v, i) => expectClose(gpu.subarray(i * h * w, (i + 1) * h * w), warpPicture(px, h, w, v), { atol: 1e-5, rtol: 1e-5 }, `warp ${i}`));
  });

  it('refuses rows that are not images of its shape', () => {
    const x = fromArray(rt(), new Float32Array(21), 1, 21);
    const rng = new DropoutRng(rt(), 0);
    expect(() => augment(x, rng, opts)).toThrow(/augment: rows must be 4×5 images/);
    rng.dispose();
  });
});

describe('gradients of the DEC-DA and IDEC losses match finite differences', () => {
  const [n, d, k, dz] = [5, 20, 3, 2];
  const p = () => {
    const raw = randomArray(n * k, 'p', 0.1, 1);
    for (let i = 0; i < n; i++) {
      const s = raw[i * k] + raw[i * k + 1] + raw[i * k + 2];
      for (let j = 0; j < k; j++) raw[i * k + j] /= s;
    }
    return fromArray(rt(), raw, n, k);
  };

  it('IDEC: KL(P‖Q) + γ·MSE(x, decoder(z)) over z, μ and the decoder', async () => {
    const target = p();
    const x = fromArray(rt(), randomArray(n * d, 'x', 0, 1), n, d);
    await gradcheck(rt(), ([z, mu, wDec]) => add(klLoss(z, mu, target, 1), mseLoss(matmul(z, wDec), x), 0.1), [
      { data: randomArray(n * dz, 'z', -2, 2), rows: n, cols: dz },
      { data: randomArray(k * dz, 'mu', -2, 2), rows: k, cols: dz },
      { data: randomArray(dz * d, 'wd', -1, 1), rows: dz, cols: d },
    ], 1e-2, { atol: 2e-4, rtol: 2e-2 });
  });

  it('DEC-DA: Q of the warped batch pulled toward a P held fixed, over the encoder and μ', async () => {
    const target = p();
    const rng = new DropoutRng(rt(), 3);
    rng.next();
    const warped = noGrad(() => augment(fromArray(rt(), randomArray(n * d, 'xa', 0, 1), n, d), rng, opts));
    await gradcheck(rt(), ([wEnc, mu]: Tensor[]) => klLoss(matmul(warped, wEnc), mu, target, 1), [
      { data: randomArray(d * dz, 'we', -0.5, 0.5), rows: d, cols: dz },
      { data: randomArray(k * dz, 'mu2', -1, 1), rows: k, cols: dz },
    ], 1e-2, { atol: 2e-4, rtol: 2e-2 });
    rng.dispose();
  });
});

describe('the dec-da preset', () => {
  it("augments images as DEC-DA does: the paper's network, 500 epochs of 10,000 digits with Adam, DEC until tol", () => {
    const source = { data: 'mnist', labels: null, subset: null, rows: 10000, d: 784, sha256: '', image: [28, 28] as [number, number] };
    const cfg = resolveConfig({ preset: 'dec-da' }, source, 10000);
    expect(cfg.augment).toEqual({ rotate: 10, shift: 0.1 });
    expect(cfg.dims).toEqual([784, 500, 500, 2000, 10]);
    expect(cfg.pretrain).toMatchObject({ recipe: 'endtoend', cfg: { steps: 20000, optim: { kind: 'adam', lr: 1e-3 } } });
    expect(cfg.dec).toMatchObject({ tol: 0.001, maxIter: 20000 });
    expect(resolveConfig({ preset: 'dec-da', augShift: 0.05, pretrainSteps: 500 }, source, 10000)).toMatchObject({ augment: { rotate: 10, shift: 0.05 }, pretrain: { cfg: { steps: 500 } } });
    expect(resolveConfig({ preset: 'dec-da', augment: false }, source, 10000).augment).toBeUndefined(); // --no-augment
    expect(() => resolveConfig({ preset: 'dec-da', augment: false, augShift: 0.2 }, source, 10000)).toThrow(/^augRotate and augShift apply with augment$/);
    // quick warps images where there are images, and trains on other data as it is.
    expect(resolveConfig({}, source, 10000).augment).toEqual({ rotate: 10, shift: 0.1 });
    expect(resolveConfig({}, { ...source, image: undefined }, 10000).augment).toBeUndefined();
    expect(resolveConfig({ augment: false }, source, 10000).augment).toBeUndefined();
    expect(() => resolveConfig({ augRotate: 5 }, { ...source, image: undefined }, 10000)).toThrow(/^the quick preset warps images, but mnist has rows of 784 values with no image shape/);
  });
});

describe('a model trained with augmentation and the reconstruction term', () => {
  it('predicts its own training data (clean) as training assigned it', async () => {
    const ds = stratifiedSubset(loadBundledMnist(), 300, 1);
    const r = await cluster(ds.x!, { d: 784, k: 10, image: [28, 28], augment: true, reconWeight: 0.1, seed: 2, dims: [32, 32, 10], pretrainSteps: 60, maxIter: 60, updateInterval: 20, kmeansRestarts: 2, rawKmeansRestarts: 0, device: rt() });
    expect(r.config.augment).toEqual({ rotate: 10, shift: 0.1 });
    expect(r.config.dec.reconWeight).toBe(0.1);
    // The history records the augmentation and a few of its warps, for the report.
    expect(r.history.augment).toMatchObject({ rotate: 10, shift: 0.1 });
    expect(r.history.augment!.examples).toHaveLength(8);
    for (const e of r.history.augment!.examples) {
      expect(Math.abs(e.theta)).toBeLessThanOrEqual((10 * Math.PI) / 180);
      expect(Math.max(Math.abs(e.tx), Math.abs(e.ty))).toBeLessThanOrEqual(2.8);
    }
    const again = await predict(r.model, ds.x!, { device: rt() });
    expect(Array.from(again.assignments)).toEqual(Array.from(r.assignments));
  });
});

describe('bad values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dec-aug-'));
  const npy = join(dir, 'x.npy');
  writeFileSync(npy, npyBytes(randomArray(40 * 6, 'bad'), [40, 6]));
  const cli = (args: string[], out = join(dir, 'out')) => spawnSync(process.execPath, ['bin/webgpu-dec.js', 'train', ...args, '--out', out], { encoding: 'utf8', timeout: 60_000 });
  const errLines = (s: string) => s.split('\n').filter((l) => l && !l.startsWith('Warning: '));
  it.each([
    [['--data', npy, '--augment'], /^webgpu-dec: --augment warps images, but .*x\.npy has rows of 6 values with no image shape; pass --image HxW/],
    [['--data', npy, '--preset', 'dec-da'], /^webgpu-dec: the dec-da preset warps images, but .*x\.npy has rows of 6 values with no image shape; pass --image HxW \(h · w = 6\), or use another --preset$/],
    [['--data', npy, '--image', '4x2'], /^webgpu-dec: --image 4x2 is 8 pixels, but the rows of .* hold 6 values/],
    [['--augment', '--aug-rotate', '-5'], /^webgpu-dec: --aug-rotate must be an angle in degrees from 0 to 180; got -5$/],
    [['--no-augment', '--aug-shift', '0.2'], /^webgpu-dec: --aug-rotate and --aug-shift apply with --augment$/],
    [['--augment', '--no-augment'], /^webgpu-dec: --augment and --no-augment contradict each other; give one$/],
    [['--recon-weight', '-0.1'], /^webgpu-dec: --recon-weight must be at least 0 \(0: DEC, 0\.1: IDEC\); got -0\.1$/],
  ])('%j: one line, exit 2, nothing written', (args, message) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    expect(errLines(r.stderr)).toHaveLength(1);
    expect(errLines(r.stderr)[0]).toMatch(message);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
  it('--image makes an NPY of images augmentable', () => {
    const imgs = join(dir, 'imgs.npy');
    writeFileSync(imgs, npyBytes(randomArray(40 * 6, 'ok', 0, 1), [40, 6]));
    const r = cli(['--data', imgs, '--image', '2x3', '--augment', '--k', '2', '--dims', '4,2', '--pretrain-steps', '20', '--max-iter', '20', '--update-interval', '10', '--tsne-points', '0', '--raw-kmeans-restarts', '0'], join(dir, 'ok'));
    expect(r.status, r.stderr).toBe(0);
  });
});
