import { describe, expect, it } from 'vitest';
import { LossLog, type ProgressEvent } from '../src/nn/loop.js';
import { fmtTime } from '../src/run/progress.js';

const fakeLoss = (v: number) => ({ toArray: async () => new Float32Array([v]) });

describe('loss logging', () => {
  it('reports each read with phase, iteration and loss', async () => {
    const events: ProgressEvent[] = [];
    const log = new LossLog('pretrain', 100, (e) => events.push(e), () => ({ epoch: 3 }));
    await log.start(20, fakeLoss(0.5));
    await log.start(40, fakeLoss(0.25));
    await log.report();
    expect(events.map((e) => [e.phase, e.step, e.total, e.loss, e.epoch])).toEqual([
      ['pretrain', 20, 100, 0.5, 3],
      ['pretrain', 40, 100, 0.25, 3],
    ]);
    expect(log.last).toBe(0.25);
  });
  it.each([NaN, Infinity])('a %s loss stops the run, naming the phase and the iteration', async (v) => {
    const log = new LossLog('dec', 1000, () => {});
    await log.start(140, fakeLoss(v));
    await expect(log.report()).rejects.toThrow(`dec: loss became ${v} at iteration 140`);
  });
});

describe('times', () => {
  it('read as seconds below 90 s, then minutes and whole seconds, never 60 s', () => {
    expect([fmtTime(42), fmtTime(89.94), fmtTime(90), fmtTime(479.6), fmtTime(3599.5)]).toEqual(['42.0s', '89.9s', '1m30s', '8m00s', '60m00s']);
  });
});
