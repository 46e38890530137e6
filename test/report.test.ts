// The run report, looked at the way a person does: built from a hand-made run (300 points, k = 4,
// labels, history, t-SNE, 8×8 pictures), then opened in a real headless Chromium, where every chart
// must draw exactly the marks its data holds, every picture must decode and the page must not be
// blank. String-level checks cover what each kind of run leaves out.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/io/errors.js';
import { confusion, rowName } from '../src/report/confusion.js';
import { buildReport, readRunDir, writeReport, type History, type ReportInput, type ReportMetrics, type Tsne } from '../src/report/index.js';
import { chromium, noChromium, openInChromium } from './browser.js';

const N = 300;
const K = 4;
const SIDE = 8;

interface Synthetic {
  labels: boolean;
  tsne: boolean;
  history: boolean;
  images: boolean;
  augment?: boolean;
}

/** Rows of a 1000-row input file, 300 of them used; clusters follow labels with 10 % noise. */
function synthetic(opts: Synthetic): ReportInput {
  const rng = seedrandom('report');
  const index = Int32Array.from({ length: N }, (_, i) => i * 3 + 1);
  const label = Int32Array.from({ length: N }, (_, i) => i % K);
  const perm = [2, 0, 3, 1];
  const cluster = Uint32Array.from(label, (l) => (rng() < 0.1 ? Math.floor(rng() * K) : perm[l]));
  const confidence = Float32Array.from({ length: N }, () => 0.25 + 0.75 * rng());
  const scores = opts.labels ? { acc: 0.9, nmi: 0.8, ari: 0.75 } : null;
  const metrics: ReportMetrics = {
    dec: scores,
    ae_kmeans: scores && { acc: 0.8, nmi: 0.7, ari: 0.6 },
    raw_kmeans: scores && { acc: 0.5, nmi: 0.4, ari: 0.3 },
    seconds: { pretrain: 12.3, kmeans: 0.4, dec: 3.2, raw_kmeans: 1.1, total: 17.0 },
    dec_iterations: 400,
    stopped_by: 'tol',
    seed: 4,
    preset: 'quick',
    adapter: 'test adapter',
    data: { name: 'synthetic blobs', n: N, d: SIDE * SIDE, k: K },
    data_mode: { mode: 'resident' },
    gpu_buffers_mib: 1.5,
    nmi_normalisation: 'arithmetic mean of H(labels) and H(clusters)',
    version: '0.2.0',
    commit: null,
  };
  const history: History = {
    format: 'webgpu-dec-history/1',
    pretrain: [
      ...[0.09, 0.05, 0.04].map((loss, e) => ({ stage: 'pretrain layer 1/2', step: 10 * (e + 1), epoch: e + 1, loss })),
      ...[0.03, 0.02, 0.015].map((loss, e) => ({ stage: 'finetune', step: 10 * (e + 1), epoch: e + 1, loss })),
    ],
    dec: [0, 1, 2, 3, 4].map((it) => ({
      iteration: it * 80,
      loss: it === 0 ? null : 0.1 / it,
      changed: it === 0 ? null : 0.2 / it,
      ...(opts.labels ? { acc: 0.8 + it * 0.02, nmi: 0.7 + it * 0.02 } : {}),
    })),
    ...(opts.augment ? { augment: { rotate: 10, shift: 0.1, examples: Array.from({ length: 8 }, (_, i) => ({ index: index[i], theta: 0.1 * (i - 4), tx: i % 3, ty: -1 })) } } : {}),
  };
  const stages = ['pretrain', 'dec'];
  const tsne: Tsne = {
    rows: {
      index: Int32Array.from({ length: 2 * N }, (_, r) => index[r % N]),
      stage: Array.from({ length: 2 * N }, (_, r) => stages[Math.floor(r / N)]),
      x: Float32Array.from({ length: 2 * N }, (_, r) => 20 * Math.cos((2 * Math.PI * label[r % N]) / K) + 4 * (rng() - 0.5)),
      y: Float32Array.from({ length: 2 * N }, (_, r) => 20 * Math.sin((2 * Math.PI * label[r % N]) / K) + 4 * (rng() - 0.5)),
      cluster: Uint32Array.from({ length: 2 * N }, (_, r) => cluster[r % N]),
      label: opts.labels ? Int32Array.from({ length: 2 * N }, (_, r) => label[r % N]) : null,
    },
    info: { n: N, perplexity: 30, iterations: 1000, stages: { pretrain: { kl: 1.23, trustworthiness: 0.97, seconds: 12.3 }, dec: { kl: 1.1, trustworthiness: 0.98, seconds: 11.9 } } },
  };
  // Picture of input row r: a bright bar whose position says the label, on 0..255 noise.
  const rowOf = new Map(Array.from(index, (r, i) => [r, i]));
  const pixels = (r: number) => {
    const l = label[rowOf.get(r)!];
    return Float32Array.from({ length: SIDE * SIDE }, (_, p) => (p % SIDE === 2 * l || p % SIDE === 2 * l + 1 ? 255 : 60 * rng()));
  };
  return {
    metrics,
    config: { format: 'webgpu-dec-config/1', seed: 4, k: K, note: '<not html>' },
    history: opts.history ? history : null,
    assignments: { index, cluster, confidence, label: opts.labels ? label : null },
    tsne: opts.tsne ? tsne : null,
    images: opts.images ? { height: SIDE, width: SIDE, pixels } : null,
    date: '2025-01-02T03:04:05.000Z',
  };
}

const FULL = { labels: true, tsne: true, history: true, images: true };

/** data-chart → data-marks, as the page declares them. */
function declaredMarks(html: string): Map<string, number> {
  return new Map([...html.matchAll(/<figure data-chart="([^"]+)" data-marks="(\d+)">/g)].map((m) => [m[1], Number(m[2])]));
}

const tmp = mkdtempSync(join(tmpdir(), 'report-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('report as a string', () => {
  it('is self-contained: nothing to load from the network, no script, pictures inlined', async () => {
    const html = await buildReport(synthetic(FULL));
    // SVG namespace declarations are names, not addresses a browser fetches.
    expect(html.replace(/\sxmlns(:\w+)?="[^"]*"/g, '')).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script/i);
    const srcs = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(srcs.length).toBe(2 * K);
    for (const s of srcs) expect(s.startsWith('data:image/png;base64,')).toBe(true);
    expect(html).toContain('&lt;not html&gt;'); // the config is escaped, not injected
  });

  it('has every figure, each declaring the marks its data hold', async () => {
    const marks = declaredMarks(await buildReport(synthetic(FULL)));
    expect(Object.fromEntries(marks)).toEqual({
      'pretrain-loss': 6, // every logged epoch
      'dec-loss': 4, // iteration 0 has no loss yet
      'dec-changed': 4,
      'dec-scores': 10, // ACC and NMI at 5 updates
      confusion: K * K,
      'tsne-pretrain-cluster': N,
      'tsne-pretrain-label': N,
      'tsne-dec-cluster': N,
      'tsne-dec-label': N,
    });
  });

  it('without labels: no scores, no confusion matrix, no label scatters, no ACC curve', async () => {
    const html = await buildReport(synthetic({ ...FULL, labels: false }));
    expect([...declaredMarks(html).keys()].sort()).toEqual(['dec-changed', 'dec-loss', 'pretrain-loss', 'tsne-dec-cluster', 'tsne-pretrain-cluster']);
    expect(html).toContain('No labels, so no ACC / NMI / ARI');
    expect(html).not.toContain('→ label');
    expect(html).toContain('<td>cluster 0<div'); // montage rows still named
  });

  it('without t-SNE, history or pictures: one line each says so', async () => {
    const html = await buildReport(synthetic({ labels: true, tsne: false, history: false, images: false }));
    expect([...declaredMarks(html).keys()]).toEqual(['confusion']);
    expect(html.match(/No t-SNE in this run[^<]*/g)).toEqual(['No t-SNE in this run (no tsne.csv).']);
    expect(html).toContain('No history.json in this run');
    expect(html).toContain('No pictures');
    expect(html).not.toContain('<img');
  });

  it('the confusion rows follow the Hungarian map: a relabelled clustering reads as a diagonal', () => {
    const label = [0, 0, 1, 1, 1, 2, 3, 3];
    const perm = [2, 0, 3, 1];
    const c = confusion(label.map((l) => perm[l]), label, 5); // cluster 4 is empty
    expect(c.rowOrder).toEqual([2, 0, 3, 1, 4]);
    expect(c.rowOrder.map((id) => rowName(c, id))).toEqual(['cluster 2 → label 0', 'cluster 0 → label 1', 'cluster 3 → label 2', 'cluster 1 → label 3', 'cluster 4 → (none)']);
    expect(c.rowOrder.slice(0, 4).map((id, r) => c.counts[id][r])).toEqual([2, 3, 1, 2]);
  });
});

describe('run directory', () => {
  it('a missing folder or a folder without metrics.json is an InputError that says what to give', () => {
    expect(() => readRunDir(join(tmp, 'nope'))).toThrow(InputError);
    expect(() => readRunDir(join(tmp, 'nope'))).toThrow(/no such folder; give the run directory that train --out wrote/);
    mkdirSync(join(tmp, 'empty'));
    expect(() => readRunDir(join(tmp, 'empty'))).toThrow(`${join(tmp, 'empty')}: no metrics.json; is this a webgpu-dec run directory (train --out)?`);
  });

  it('reads the files a run writes, and writeReport leaves report.html and nothing else', async () => {
    const src = synthetic(FULL);
    const dir = join(tmp, 'run');
    mkdirSync(dir);
    const a = src.assignments;
    const t = src.tsne!.rows;
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify(src.metrics));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(src.config));
    writeFileSync(join(dir, 'history.json'), JSON.stringify(src.history));
    writeFileSync(join(dir, 'tsne.json'), JSON.stringify(src.tsne!.info));
    writeFileSync(join(dir, 'assignments.csv'), ['index,cluster,confidence,label', ...Array.from(a.index, (r, i) => `${r},${a.cluster[i]},${a.confidence[i].toFixed(4)},${a.label![i]}`)].join('\n') + '\n');
    writeFileSync(join(dir, 'tsne.csv'), ['index,stage,x,y,cluster,label', ...t.stage.map((s, i) => `${t.index[i]},${s},${t.x[i]},${t.y[i]},${t.cluster[i]},${t.label![i]}`)].join('\n') + '\n');
    const got = readRunDir(dir);
    expect(got.metrics).toEqual(src.metrics);
    expect(got.history).toEqual(src.history);
    expect(Array.from(got.assignments.cluster)).toEqual(Array.from(a.cluster));
    expect(Array.from(got.assignments.label!)).toEqual(Array.from(a.label!));
    expect(got.tsne!.rows.stage).toEqual(t.stage);
    expect(Array.from(got.tsne!.rows.x)).toEqual(Array.from(t.x));
    expect(got.tsne!.info).toEqual(src.tsne!.info);
    expect(got.images).toBeNull();
    expect(got.date).toMatch(/^\d{4}-\d\d-\d\dT/);

    const before = readdirSync(dir).sort();
    const path = await writeReport(dir, got);
    expect(path).toBe(join(dir, 'report.html'));
    expect(readdirSync(dir).sort()).toEqual([...before, 'report.html'].sort());
    expect(declaredMarks(readFileSync(path, 'utf8')).get('tsne-dec-label')).toBe(N);
  });

  it('a broken assignments.csv names the file and the line', () => {
    const dir = join(tmp, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify(synthetic(FULL).metrics));
    writeFileSync(join(dir, 'config.json'), '{}');
    writeFileSync(join(dir, 'assignments.csv'), 'index,cluster,confidence\n0,1,0.5\n1,x,0.5\n');
    expect(() => readRunDir(dir)).toThrow(`${join(dir, 'assignments.csv')}: line 3: cluster "x" is not a number`);
  });
});

describe('the augmentation section', () => {
  it('shows the settings, and the clean pictures above the same pictures warped, where the run augmented', async () => {
    const html = await buildReport(synthetic({ ...FULL, augment: true }));
    expect(html).toContain('<h2>Augmentation</h2>');
    expect(html).toMatch(/turned by up to ±10° and shifted by up to ±10 % of its side/);
    expect(html).toMatch(/<td>clean<\/td><td><img[^>]+src="data:image\/png;base64,/);
    expect(html).toMatch(/<td>warped as in training<\/td><td><img[^>]+src="data:image\/png;base64,/);
    expect(await buildReport(synthetic(FULL))).not.toContain('Augmentation');
  });
});

describe('report in headless Chromium', () => {
  it.skipIf(!chromium)(`draws every chart's marks, decodes every picture and is not blank${noChromium}`, async () => {
    const file = join(tmp, 'browser', 'report.html');
    mkdirSync(join(tmp, 'browser'));
    writeFileSync(file, await buildReport(synthetic(FULL)));
    const seen = await openInChromium(file);
    expect(seen.figures.length).toBe(9);
    for (const f of seen.figures) {
      expect(f.svgs, f.name).toBe(1);
      expect(f.drawn, f.name).toBe(f.declared);
      expect(f.width, f.name).toBeGreaterThan(200);
    }
    expect(seen.images.length).toBe(2 * K);
    for (const im of seen.images) expect(im).toEqual({ w: 8 * SIDE * 2 + 7 * 2, h: SIDE * 2 });
    expect(seen.inked).toBeGreaterThan(0.02);
    expect(seen.colours).toBeGreaterThan(200);
    expect(seen.problems).toEqual([]);
  });

  it.skipIf(!chromium)(`with augmentation: two more strips of 8 pictures, decoded${noChromium}`, async () => {
    const file = join(tmp, 'browser-aug', 'report.html');
    mkdirSync(join(tmp, 'browser-aug'));
    writeFileSync(file, await buildReport(synthetic({ ...FULL, augment: true })));
    const seen = await openInChromium(file);
    expect(seen.images.length).toBe(2 * K + 2);
    for (const im of seen.images) expect(im).toEqual({ w: 8 * SIDE * 2 + 7 * 2, h: SIDE * 2 });
    expect(seen.problems).toEqual([]);
  });
});
