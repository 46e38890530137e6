// The op tests: every entry of the op table (op-table.ts) at odd shapes against its float64
// reference, dispatching the entry points it names, and its finite-difference gradient checks; a
// registered entry point without an entry fails here. Then what the table does not hold: dropout's
// statistics and the tape.
import { describe, expect, it } from 'vitest';
import { allKernels } from '../src/gpu/registry.js';
import type { Kernel } from '../src/gpu/runtime.js';
import { dropout, DropoutRng, fromArray, mseLoss, add, biasAdd, scale, sum, tidy } from '../src/tensor/index.js';
import { expectClose, randomArray, useRuntime } from './helpers.js';
import './families.js'; // registers every family, so that allKernels() lists them all
import { availableKernels, OPS } from './op-table.js';
import { Guarded } from './sentinel.js';

const rt = useRuntime();
const exact = { atol: 1e-6, rtol: 1e-6 };

describe('the op table', () => {
  it('has an entry for every registered entry point', () => {
    const covered = new Set(OPS.flatMap((e) => e.kernels));
    const missing = allKernels().map((k) => `${k.file}.${k.entry}`).filter((name) => !covered.has(name as never));
    expect(missing, 'registered entry points without an entry in test/op-table.ts').toEqual([]);
  });
});

describe.each(OPS)('$name', (entry) => {
  it(`matches its float64 reference at ${entry.odd.map((s) => s.join('×')).join(', ')}, through the entry points it names`, async () => {
    const r = rt();
    const seen = new Set<string>();
    const dispatch = r.dispatch.bind(r);
    r.dispatch = ((k: Kernel, ...rest: Parameters<typeof dispatch> extends [Kernel, ...infer T] ? T : never) => {
      seen.add(`${k.file}.${k.entry}`);
      return dispatch(k, ...rest);
    }) as typeof r.dispatch;
    try {
      for (const shape of entry.odd) {
        const g = new Guarded(r);
        try {
          await entry.check(r, g, shape);
        } finally {
          g.release();
        }
      }
    } finally {
      r.dispatch = dispatch;
    }
    expect(availableKernels(r, entry).filter((k) => !seen.has(k)), 'named entry points the check never dispatched').toEqual([]);
  });
  if (!('none' in entry.grad)) for (const [name, check] of Object.entries(entry.grad)) it(`gradient of ${name} matches finite differences`, () => check(rt()));
});

describe('dropout', () => {
  it('drops about `rate` of the elements and scales the rest by 1/(1 − rate)', async () => {
    const rng = new DropoutRng(rt(), 7);
    const x = fromArray(rt(), new Float32Array(255 * 257).fill(1), 255, 257);
    const y = await dropout(x, 0.2, rng, 1).toArray();
    const kept = y.filter((v) => v !== 0);
    expect(Math.abs(1 - kept.length / y.length - 0.2)).toBeLessThan(0.01);
    expectClose(kept, new Float32Array(kept.length).fill(1 / 0.8), exact);
  });
  it('same seed and step give the same mask; the next step another', async () => {
    const x = fromArray(rt(), randomArray(1000, 'x'), 10, 100);
    const masks = async (seed: number) => {
      const rng = new DropoutRng(rt(), seed);
      const first = await dropout(x, 0.5, rng, 3).toArray();
      rng.next();
      const second = await dropout(x, 0.5, rng, 3).toArray();
      return [first, second];
    };
    const [a1, a2] = await masks(1);
    const [b1] = await masks(1);
    expect(Array.from(a1)).toEqual(Array.from(b1));
    expect(Array.from(a1)).not.toEqual(Array.from(a2));
  });
});

describe('the tape', () => {
  it('gradients accumulate over two backward passes', async () => {
    const x = fromArray(rt(), [1, 2, 3], 1, 3, true);
    tidy(() => sum(scale(x, 2)).backward());
    tidy(() => sum(scale(x, 2)).backward());
    expectClose(await x.grad!.toArray(), [4, 4, 4], exact);
  });
  it('shape mismatches name the op and both shapes', () => {
    const a = fromArray(rt(), [1, 2, 3, 4, 5, 6], 2, 3);
    const b = fromArray(rt(), [1, 2, 3, 4, 5, 6], 3, 2);
    expect(() => add(a, b)).toThrow('add: shapes do not match: [2, 3] vs [3, 2]');
    expect(() => mseLoss(a, b)).toThrow('mseLoss: shapes do not match: [2, 3] vs [3, 2]');
    expect(() => biasAdd(a, b)).toThrow(/biasAdd.*\[2, 3\] vs \[3, 2\]/);
  });
});
