// Maps of many points in the report: past RASTER_FROM points a t-SNE chart's points are one PNG
// inside Vega's SVG (src/report/raster.ts). Checked as pixels (every category's colour is there,
// where its points are) and as a person sees it, in headless Chromium (the picture is laid out at
// the plot's size, the page is inked, nothing is requested).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import seedrandom from 'seedrandom';
import * as vega from 'vega';
import { afterAll, describe, expect, it } from 'vitest';
import { RASTER_FROM, tsneChart } from '../src/report/charts.js';
import { RASTER_SCALE, scatterPng } from '../src/report/raster.js';
import { renderFigure } from '../src/report/render.js';
import type { TsneRows } from '../src/records/tsne.js';
import { chromium, noChromium, openInChromium } from './browser.js';

const tmp = mkdtempSync(join(tmpdir(), 'raster-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** n points in 10 tight clusters on a circle of radius 30, cluster c at angle 2πc/10. */
function ring(n: number): TsneRows {
  const rng = seedrandom('ring');
  const rows: TsneRows = { index: new Int32Array(n), stage: new Array<string>(n).fill('dec'), x: new Float32Array(n), y: new Float32Array(n), cluster: new Uint32Array(n), label: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    rows.index[i] = i;
    rows.x[i] = 30 * Math.cos((2 * Math.PI * c) / 10) + 4 * (rng() - 0.5);
    rows.y[i] = 30 * Math.sin((2 * Math.PI * c) / 10) + 4 * (rng() - 0.5);
    rows.cluster[i] = c;
    rows.label![i] = c;
  }
  return rows;
}

const decode = (url: string) => PNG.sync.read(Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64'));

describe('raster maps', () => {
  it('draws each point in its colour where it is, transparent elsewhere', () => {
    const colours = vega.scheme('tableau10') as string[];
    const side = 100;
    // Three points: one per corner region, colours 0, 1, 2; y up.
    const png = decode(scatterPng({ x: [1, 9, 1], y: [9, 1, 1], colour: [0, 1, 2] }, { x: [0, 10], y: [0, 10] }, colours, side, 1.5, 1));
    expect(png.width).toBe(side * RASTER_SCALE);
    const at = (x: number, y: number) => {
      const o = (Math.floor((1 - y / 10) * png.height) * png.width + Math.floor((x / 10) * png.width)) * 4;
      return '#' + [0, 1, 2].map((k) => png.data[o + k].toString(16).padStart(2, '0')).join('') + ':' + png.data[o + 3];
    };
    expect(at(1, 9)).toBe(`${colours[0]}:255`); // top left
    expect(at(9, 1)).toBe(`${colours[1]}:255`); // bottom right
    expect(at(1, 1)).toBe(`${colours[2]}:255`); // bottom left
    expect(at(9, 9).endsWith(':0')).toBe(true); // nothing at the top right
    expect(at(5, 5).endsWith(':0')).toBe(true);
  });

  it(`is SVG marks up to ${RASTER_FROM} points and one picture above, declaring its points`, async () => {
    const small = tsneChart(ring(RASTER_FROM), 'dec', 'label');
    expect(small.raster).toBeUndefined();
    const big = tsneChart(ring(RASTER_FROM + 1), 'dec', 'label');
    expect(big.raster).toBe(true);
    expect(big.marks).toBe(RASTER_FROM + 1);
    const fig = await renderFigure(big);
    expect(fig).toMatch(new RegExp(`^<figure data-chart="tsne-dec-label" data-marks="${RASTER_FROM + 1}" data-raster="png">`));
    const url = fig.match(/href="(data:image\/png;base64,[^"]+)"/)![1];
    const png = decode(url);
    // Every cluster's colour is in the picture (the legend's colours: tableau10 in label order).
    const colours = vega.scheme('tableau10') as string[];
    const seen = new Set<string>();
    for (let o = 0; o < png.data.length; o += 4) if (png.data[o + 3] > 0) seen.add('#' + [0, 1, 2].map((k) => png.data[o + k].toString(16).padStart(2, '0')).join(''));
    for (const c of colours) expect(seen.has(c), c).toBe(true);
    for (let c = 0; c < 10; c++) expect(fig).toContain(`>${c}</text>`); // the legend's labels
    expect(fig.length).toBeLessThan(400_000); // 5,001 SVG circles would be ~700 kB
  });

  it.skipIf(!chromium)(`shows 70,000 points as one picture at the plot's size${noChromium}`, async () => {
    const file = join(tmp, 'map.html');
    const fig = await renderFigure(tsneChart(ring(70_000), 'dec', 'cluster'));
    writeFileSync(file, `<!doctype html><html><head><meta charset="utf-8"></head><body>${fig}</body></html>`);
    const seen = await openInChromium(file);
    expect(seen.figures).toHaveLength(1);
    const f = seen.figures[0];
    expect(f.raster).toBe(true);
    expect(f.declared).toBe(70_000);
    expect(f.drawn).toBe(0); // no SVG marks: the points are pixels
    expect(f.pictures).toEqual([{ w: 280, h: 280 }]);
    // Ten clusters of ~17 × 17 px on a 1280 × 900 page, the legend and the title: ~0.6 % inked.
    expect(seen.inked).toBeGreaterThan(0.004);
    expect(seen.colours).toBeGreaterThan(10);
    expect(seen.problems).toEqual([]);
  });
});
