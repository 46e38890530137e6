// Every file the project writes and reads back has one type and one writer/reader pair
// (src/records): what the writer writes, the reader returns, equal field for field.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assignmentsCsv, readAssignments, ASSIGNMENTS_FILE } from '../src/records/assignments.js';
import { CONFIG_FILE, readConfig, writeConfig } from '../src/records/config.js';
import { readClusters, readImbalance, writeClusters, writeImbalance, type ClustersRecord, type ImbalanceRecord } from '../src/records/experiments.js';
import { emptyHistory, readHistory, writeHistory, type RunHistory } from '../src/records/history.js';
import { readMetrics, writeMetrics, type RunMetrics } from '../src/records/metrics.js';
import { readTsne, writeTsne, type TsneInfo, type TsneRows } from '../src/records/tsne.js';
import { resolveConfig } from '../src/run/config.js';
import { writeAtomic } from '../src/io/atomic.js';

const dir = mkdtempSync(join(tmpdir(), 'webgpu-dec-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('records round-trip', () => {
  it('config.json', () => {
    const cfg = resolveConfig({ seed: 3, k: 4 }, { data: 'x.npy', labels: null, subset: null, rows: 50, d: 6, sha256: 'ab' }, 50);
    writeConfig(dir, cfg);
    expect(readConfig(dir)).toEqual(cfg);
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ format: 'something/9' }));
    expect(() => readConfig(dir)).toThrow(/config\.json: not a webgpu-dec run configuration \(format something\/9\)/);
  });

  it('metrics.json', () => {
    const m: RunMetrics = {
      dec: { acc: 0.8123, nmi: 0.7, ari: 0.6 },
      ae_kmeans: null,
      raw_kmeans: { acc: 0.5, nmi: 0.4, ari: 0.3 },
      seconds: { pretrain: 1.5, kmeans: 0.2, dec: 3.1, raw_kmeans: 0.4, total: 5.2 },
      dec_iterations: 140,
      stopped_by: 'tol',
      seed: 0,
      preset: 'quick',
      adapter: 'llvmpipe',
      data: { name: 'blobs', n: 50, d: 6, k: 4 },
      data_mode: { mode: 'out-of-core', window_rows: 16, block_rows: 4 },
      gpu_buffers_mib: 1.2,
      nmi_normalisation: 'arithmetic mean of H(labels) and H(clusters)',
      version: '0.2.0',
      commit: null,
    };
    writeMetrics(dir, m);
    expect(readMetrics(dir)).toEqual(m);
  });

  it('history.json, layer-wise stages without an epoch included', () => {
    const h: RunHistory = {
      ...emptyHistory(),
      pretrain: [{ stage: 'pretrain layer 1/4', step: 20, loss: 0.5 }, { stage: 'finetune', step: 40, epoch: 1, loss: 0.25 }],
      dec: [{ iteration: 0, loss: null, changed: null }, { iteration: 140, loss: 0.01, changed: 0.02, acc: 0.9, nmi: 0.8 }],
      augment: { rotate: 10, shift: 0.1, examples: [{ index: 3, theta: 0.1, tx: 1, ty: -2 }] },
    };
    writeHistory(dir, h);
    expect(readHistory(dir)).toEqual(h);
  });

  it('assignments.csv, rows sorted by the input file row', () => {
    const index = Uint32Array.from([4, 0, 2]);
    writeAtomic(dir, ASSIGNMENTS_FILE, assignmentsCsv(index, Uint32Array.from([1, 0, 2]), Float32Array.from([0.5, 0.25, 0.75]), Int32Array.from([7, 8, 9])));
    const a = readAssignments(dir);
    expect(Array.from(a.index)).toEqual([0, 2, 4]);
    expect(Array.from(a.cluster)).toEqual([0, 2, 1]);
    expect(Array.from(a.confidence)).toEqual([0.25, 0.75, 0.5]);
    expect(Array.from(a.label!)).toEqual([8, 9, 7]);
  });

  it('tsne.csv and tsne.json: the stages in order, each sorted by index', () => {
    const rows: TsneRows = {
      index: Int32Array.from([5, 1, 5, 1]),
      stage: ['pretrain', 'pretrain', 'dec', 'dec'],
      x: Float32Array.from([0.5, -1.25, 2, 3]),
      y: Float32Array.from([1, 2, -3, 4.5]),
      cluster: Uint32Array.from([0, 1, 1, 0]),
      label: null,
    };
    const info: TsneInfo = { n: 2, perplexity: 0.3, iterations: 10, init: 'pca', stages: { pretrain: { kl: 0.5, trustworthiness: 0.9, seconds: 1 }, dec: { kl: 0.4, trustworthiness: 0.95, seconds: 1 } } };
    writeTsne(dir, { rows, info });
    expect(readFileSync(join(dir, 'tsne.csv'), 'utf8').split('\n').slice(0, 3)).toEqual(['index,stage,x,y,cluster', '1,pretrain,-1.25000,2.00000,1', '5,pretrain,0.500000,1.00000,0']);
    const t = readTsne(dir)!;
    expect(t.info).toEqual(info);
    expect(Array.from(t.rows.index)).toEqual([1, 5, 1, 5]);
    expect(t.rows.stage).toEqual(['pretrain', 'pretrain', 'dec', 'dec']);
    expect(Array.from(t.rows.x)).toEqual([-1.25, 0.5, 3, 2]);
    expect(Array.from(t.rows.cluster)).toEqual([1, 0, 0, 1]);
  });

  it('imbalance.json and clusters.json', () => {
    const imb: ImbalanceRecord = {
      settings: { rmins: [0.1, 0.5], mode: 'paper', seeds: [0], overrides: { preset: 'quick' } },
      runs: [{ rmin: 0.1, seed: 0, n: 40, class_sizes: { '0': 10, '1': 30 }, raw_kmeans: null, ae_kmeans: { acc: 0.5, nmi: 0.4 }, dec: { acc: 0.6, nmi: 0.5 }, dec_iterations: 280, seconds: 12 }],
    };
    writeImbalance(dir, imb);
    expect(readImbalance(dir)).toEqual(imb);
    const cl: ClustersRecord = {
      settings: { ks: [3, 4], valFraction: 0.2, seed: 0 },
      runs: [{ k: 3, l_train: 0.1, l_val: 0.11, g: 0.909, nmi: 0.7, acc: null, dec_iterations: 140, seconds: 3 }],
      suggested: { k: 3, reason: 'one k' },
    };
    writeClusters(dir, cl);
    expect(readClusters(dir)).toEqual(cl);
  });
});
