import { writeFileSync } from 'node:fs';
import { chromiumPath } from './scripts/chromium-path.mjs';
const { tsneChart } = await import('./dist/src/report/charts.js');
const { renderFigure } = await import('./dist/src/report/render.js');
const n = +(process.argv[2] ?? 8000);
const rows = { index: new Int32Array(n), stage: Array(n).fill('dec'), x: new Float32Array(n), y: new Float32Array(n), cluster: new Uint32Array(n), label: new Int32Array(n) };
for (let i = 0; i < n; i++) { const c = i % 10; const a = (c / 10) * 2 * Math.PI; rows.x[i] = 30 * Math.cos(a) + 6 * (Math.random() - 0.5) * 2; rows.y[i] = 30 * Math.sin(a) + 6 * (Math.random() - 0.5) * 2; rows.cluster[i] = c; rows.label[i] = c; }
const fig = await renderFigure(tsneChart(rows, 'dec', 'label', { kl: 1.2, trustworthiness: 0.99, seconds: 3 }));
writeFileSync('/tmp/x/fig.html', `<!doctype html><html><body>${fig}</body></html>`);
console.log('bytes', fig.length);
const { chromium } = await import('playwright-core');
const b = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 500, height: 420 } });
await p.goto('file:///tmp/x/fig.html');
await p.screenshot({ path: '/tmp/x/fig.png' });
await b.close();
