import { describe, expect, it } from 'vitest';
import { accuracy, ari, nmi, scores } from '../src/metrics/clustering.js';
import { hungarian } from '../src/metrics/hungarian.js';

describe('clustering metrics', () => {
  it('a permutation of the labels gives ACC 1, NMI 1 and ARI 1', () => {
    const labels = [0, 0, 1, 1, 2, 2, 2, 3];
    const clusters = labels.map((l) => [7, 4, 9, 1][l]);
    expect(scores(labels, clusters)).toEqual({ acc: 1, nmi: 1, ari: 1 });
  });
  it('ACC by hand: one point of six misplaced gives 5/6', () => {
    expect(accuracy([0, 0, 0, 1, 1, 1], [5, 5, 6, 6, 6, 6])).toBeCloseTo(5 / 6, 12);
  });
  it('a single cluster over balanced classes carries no information: NMI 0, ARI 0', () => {
    const labels = [0, 1, 0, 1, 0, 1];
    expect(nmi(labels, new Array(6).fill(3))).toBe(0);
    expect(ari(labels, new Array(6).fill(3))).toBeCloseTo(0, 12);
  });
  // Values from scikit-learn's user guide, "Clustering performance evaluation" (adjusted_rand_score
  // and v_measure_score, which is NMI with arithmetic-mean normalisation), also recomputed with an
  // independent pure-Python implementation of the same formulas.
  it('matches scikit-learn on labels_true = [0,0,0,1,1,1], labels_pred = [0,0,1,1,2,2]', () => {
    const t = [0, 0, 0, 1, 1, 1];
    const p = [0, 0, 1, 1, 2, 2];
    expect(ari(t, p)).toBeCloseTo(0.24242424242424243, 12);
    expect(nmi(t, p)).toBeCloseTo(0.5158037429793888, 12);
  });
  it('matches scikit-learn: adjusted_rand_score([0,0,1,1], [0,0,1,2]) = 0.5714…', () => {
    expect(ari([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.5714285714285715, 12);
  });
  it('more clusters than classes: ACC maps one-to-one and leaves extra clusters unmatched', () => {
    expect(accuracy([0, 0, 1, 1], [0, 1, 2, 2])).toBeCloseTo(3 / 4, 12);
  });
  it('Hungarian finds the minimum-cost matching (brute force on 5×5)', () => {
    const cost = [
      [7, 53, 183, 439, 863],
      [497, 383, 563, 79, 973],
      [287, 63, 343, 169, 583],
      [627, 343, 773, 959, 943],
      [767, 473, 103, 699, 303],
    ];
    const m = hungarian(cost);
    const total = m.reduce((s, j, i) => s + cost[i][j], 0);
    let bestTotal = Infinity;
    const perm = (rest: number[], acc: number[]): void => {
      if (!rest.length) bestTotal = Math.min(bestTotal, acc.reduce((s, j, i) => s + cost[i][j], 0));
      rest.forEach((j, idx) => perm([...rest.slice(0, idx), ...rest.slice(idx + 1)], [...acc, j]));
    };
    perm([0, 1, 2, 3, 4], []);
    expect(total).toBe(bestTotal);
  });
});
