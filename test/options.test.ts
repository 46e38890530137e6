// Library-first validation: the library's errors name its option fields ("lr must be positive"); the
// command line renders the same errors with its flags ("--lr must be positive") through one table.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cluster } from '../src/api/cluster.js';
import { flagOf } from '../src/cli/flag-names.js';
import { overridesOf, SETTING_FLAGS } from '../src/cli/train.js';
import { fieldOfFlag, flagOfField } from '../src/cli/args.js';
import { InputError, OptionError } from '../src/io/errors.js';
import { describeSchedule, resolveConfig, type Overrides } from '../src/run/config.js';
import { presets } from '../src/run/presets.js';

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/webgpu-dec.js', ...args], { encoding: 'utf8', timeout: 120_000 });
const errLines = (s: string) => s.split('\n').filter((l) => l && !l.startsWith('Warning: '));

const x = Float32Array.from({ length: 40 * 3 }, (_, i) => Math.sin(i));
const source = { data: 'array', labels: null, subset: null, rows: 40, d: 3, sha256: '' };

/** The message resolveConfig throws for `o` (an OptionError), as the library shows it. */
function libraryMessage(o: Overrides): OptionError {
  try {
    resolveConfig(o, source, 40);
  } catch (e) {
    expect(e).toBeInstanceOf(OptionError);
    return e as OptionError;
  }
  throw new Error(`resolveConfig accepted ${JSON.stringify(o)}`);
}

describe('option errors', () => {
  it('cluster() with a label of -1 or past int32: an InputError naming the row and the value, before any GPU work', async () => {
    const labels = Array.from({ length: 40 }, (_, i) => i % 2);
    labels[7] = -1;
    await expect(cluster(x, { d: 3, k: 2, labels })).rejects.toThrow(/^array: label 7 \(row 7, counting from 0\) is -1; labels must be class ids from 0 to 2147483647/);
    await expect(cluster(x, { d: 3, k: 2, labels })).rejects.toBeInstanceOf(InputError);
    labels[7] = 2 ** 31;
    await expect(cluster(x, { d: 3, k: 2, labels })).rejects.toThrow(/^array: label 7 is 2147483648; labels must be integer class ids$/);
  });
  it('cluster() with a bad option names the field, without --', async () => {
    await expect(cluster(x, { d: 3, k: 2, lr: -1 })).rejects.toThrow(/^lr must be positive; got -1$/);
    await expect(cluster(x, { d: 3, k: 2, updateInterval: 0 })).rejects.toThrow(/^updateInterval must be at least 1; got 0$/);
    await expect(cluster(x, { d: 3, k: 2, preset: 'paper', epochs: 3 })).rejects.toThrow(/^epochs and pretrainSteps apply to the end-to-end presets \(quick, endtoend, dec-da\); the paper preset takes layerIters and finetuneIters$/);
  });

  it('the command line names the flag for the same input', () => {
    const r = cli(['train', '--lr', '-1']);
    expect(r.status).toBe(2);
    expect(errLines(r.stderr)).toEqual(['webgpu-dec: --lr must be positive; got -1']);
    const s = cli(['train', '--preset', 'paper', '--epochs', '3']);
    expect(errLines(s.stderr)).toEqual(['webgpu-dec: --epochs and --pretrain-steps apply to the end-to-end presets (quick, endtoend, dec-da); the paper preset takes --layer-iters and --finetune-iters']);
  });

  it('every bad setting gives a message whose fields the table renders as flags', () => {
    const bad: Overrides[] = [
      { lr: 0 }, { alpha: -1 }, { tol: 1 }, { k: 1 }, { k: 50 }, { maxIter: 0 }, { batch: 0 }, { inputScale: 0 }, { scaleTarget: 0 },
      { tsnePoints: 5 }, { dims: [0] }, { rawKmeansRestarts: -1 }, { kmeansRestarts: 0 }, { lrStep: 0 }, { preset: 'quick', layerIters: 5 },
      { augRotate: -1, augment: true }, { augShift: 0.7, augment: true }, { reconWeight: -1 }, { augment: true },
      { decBatch: 0 }, { decLr: 0 }, { decMomentum: 1 }, { decMomentum: -0.1 },
    ];
    for (const o of bad) {
      const e = libraryMessage(o);
      expect(e.message, JSON.stringify(o)).not.toMatch(/--/);
      const field = Object.keys(o).find((f) => f !== 'preset')!;
      expect(e.render(flagOf), JSON.stringify(o)).toContain(flagOf(field));
      expect(flagOf(field)).toMatch(/^--[a-z-]+$/);
    }
  });

  it("DEC's own batch, learning rate and momentum: --batch sets both phases, --dec-batch DEC's alone", () => {
    const base = resolveConfig({}, source, 40);
    expect(base.dec).toMatchObject({ batch: 64, lr: 0.01, momentum: 0.9 });
    const both = resolveConfig({ batch: 64 }, source, 40);
    expect([both.pretrain.cfg.batch, both.dec.batch]).toEqual([64, 64]);
    const own = resolveConfig({ batch: 128, decBatch: 32, decLr: 0.05, decMomentum: 0.5 }, source, 40);
    expect([own.pretrain.cfg.batch, own.dec.batch]).toEqual([128, 32]);
    expect(own.dec).toMatchObject({ lr: 0.05, momentum: 0.5 });
    expect(own.pretrain.cfg.optim.lr).toBe(base.pretrain.cfg.optim.lr); // --dec-lr leaves pretraining's
    expect(resolveConfig({ decMomentum: 0 }, source, 40).dec.momentum).toBe(0);
  });

  it('the quick preset counts its schedule in epochs of the data: steps for this n, floors for tiny n, flags win', () => {
    const digits = { ...source, rows: 10000, d: 784 };
    const at = (n: number, o: Overrides = {}) => resolveConfig(o, { ...digits, rows: n }, n);
    const sizing = presets.quick.sizing!;
    const steps = (c: { pretrain: { cfg: object } }) => (c.pretrain.cfg as { steps: number }).steps;
    // 10,000 digits: epochs of ⌈10,000 / 64⌉ = 157 steps; the preset's step counts are those.
    const big = at(10000);
    expect(steps(big)).toBe(Math.ceil(sizing.pretrainEpochs * 157));
    expect(steps(big)).toBe(steps(presets.quick));
    expect(big.dec.maxIter).toBe(presets.quick.dec.maxIter);
    expect(big.dec.updateInterval).toBe(presets.quick.dec.updateInterval);
    expect(big.sizing).toEqual(sizing);
    // Four times the data: four times the steps (to within an epoch's rounding).
    const four = at(40000);
    expect(steps(four)).toBe(Math.ceil(sizing.pretrainEpochs * 625));
    expect(four.dec.maxIter).toBe(Math.ceil(sizing.decEpochs * 625));
    expect(four.dec.updateInterval).toBe(Math.round(sizing.updateEpochs * 625));
    // 150 points (iris): the floors.
    const tiny = at(150);
    expect([steps(tiny), tiny.dec.maxIter, tiny.dec.updateInterval]).toEqual([sizing.minPretrainSteps, sizing.minDecIter, sizing.minUpdateInterval]);
    // Flags set steps outright; --epochs counts epochs of the run's batch.
    const set = at(10000, { pretrainSteps: 10, maxIter: 20, updateInterval: 5 });
    expect([steps(set), set.dec.maxIter, set.dec.updateInterval]).toEqual([10, 20, 5]);
    expect(steps(at(10000, { epochs: 2, batch: 256 }))).toBe(2 * 40);
    // A larger batch: fewer steps for the same epochs.
    expect(at(10000, { batch: 256 }).dec.maxIter).toBe(Math.ceil(sizing.decEpochs * 40));
    // Presets counted in steps keep theirs whatever n, and record no sizing.
    expect(resolveConfig({ preset: 'dec-da' }, { ...digits, rows: 150, image: [28, 28] }, 150).pretrain.cfg).toMatchObject({ steps: 20000 });
    expect(resolveConfig({ preset: 'endtoend' }, source, 40).sizing).toBeUndefined();
  });

  it('the widths follow the data: no hidden layer wider than 8 units per feature (at least 32)', () => {
    expect(resolveConfig({}, { ...source, d: 784 }, 40).dims).toEqual([784, 256, 256, 512, 10]);
    expect(resolveConfig({}, { ...source, d: 4 }, 40).dims).toEqual([4, 32, 32, 64, 10]);
    expect(resolveConfig({}, { ...source, d: 13 }, 40).dims).toEqual([13, 104, 104, 208, 10]);
    expect(resolveConfig({ dims: [8, 8, 3] }, { ...source, d: 784 }, 40).dims).toEqual([784, 8, 8, 3]);
  });

  it('the schedule line says what the run will do, in steps, batches and epochs', () => {
    const cfg = resolveConfig({ pretrainSteps: 314, maxIter: 471, updateInterval: 157, batch: 64 }, { ...source, rows: 10000, d: 784 }, 10000);
    expect(describeSchedule(cfg)).toBe(
      'schedule: network 784-256-256-512-10; pretraining 314 steps of 64 (2 epochs); DEC ≤ 471 iterations of 64 (3 epochs), P every 157 (1 epoch); sized by the quick preset for 10,000 points',
    );
    expect(describeSchedule(resolveConfig({ preset: 'paper' }, source, 40))).toMatch(/^schedule: network 3-500-500-2000-10; pretraining 4 × 50,000 layer-wise steps \+ 100,000 fine-tuning steps of 256; DEC ≤ 200,000 iterations of 256 /);
  });

  it("train's setting flags are the library's options, one for one, and overridesOf reads each", () => {
    const fields = SETTING_FLAGS.map(fieldOfFlag);
    expect(fields).toContain('updateInterval');
    // Every field of Overrides a flag can set: resolveConfig refuses a bad value of each by its name.
    const values: Record<string, string | number | boolean> = { preset: 'paper', scale: 'none', dims: '5,3', augment: true };
    const f = Object.fromEntries(SETTING_FLAGS.map((k) => [k, values[k] ?? 7]));
    expect(Object.keys(overridesOf(f)).sort()).toEqual([...fields].sort());
    for (const field of fields) expect(flagOf(field)).toBe(`--${flagOfField(field)}`);
  });
});
