// A report as a person sees it: opened in Debian's Chromium through playwright-core, measured.
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import { MARK_SELECTOR } from '../src/report/index.js';
import { chromiumPath } from '../scripts/chromium-path.mjs';

export const chromium = chromiumPath();
export const noChromium = chromium ? '' : ' (skipped: no chromium on PATH; run bash scripts/install-chromium.sh)';

export interface PageSeen {
  /** Each figure[data-chart]: its declared marks, the marks drawn, its SVG count and width. */
  figures: { name: string; declared: number; drawn: number; svgs: number; width: number; raster: boolean; pictures: { w: number; h: number }[] }[];
  /** Every <img>, decoded. */
  images: { w: number; h: number }[];
  /** Share of the full-page screenshot that is not the background colour, and distinct colours. */
  inked: number;
  colours: number;
  /** Console errors, page errors and any request that is not file: or data:. */
  problems: string[];
}

export async function openInChromium(file: string): Promise<PageSeen> {
  const { chromium: launcher } = await import('playwright-core');
  const browser = await launcher.launch({ executablePath: chromium!, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && problems.push(`request: ${r.url()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const figures = await page.$$eval(
      'figure[data-chart]',
      (figs, selector) =>
        figs.map((f) => ({
          name: f.getAttribute('data-chart') ?? '',
          declared: Number(f.getAttribute('data-marks')),
          svgs: f.querySelectorAll('svg').length,
          drawn: f.querySelectorAll(selector).length,
          width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
          raster: f.hasAttribute('data-raster'),
          // Pictures inside the chart's SVG (a raster map's points), as laid out.
          pictures: [...f.querySelectorAll('svg image')].map((i) => ({ w: i.getBoundingClientRect().width, h: i.getBoundingClientRect().height })),
        })),
      MARK_SELECTOR,
    );
    const images = await page.$$eval('img', (imgs) => Promise.all(imgs.map(async (i) => (await i.decode(), { w: i.naturalWidth, h: i.naturalHeight }))));
    const shot = PNG.sync.read(await page.screenshot({ fullPage: true }));
    const counts = new Map<number, number>();
    for (let p = 0; p < shot.width * shot.height; p++) {
      const rgb = shot.data.readUIntBE(p * 4, 3);
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
    }
    const background = Math.max(...counts.values());
    return { figures, images, inked: 1 - background / (shot.width * shot.height), colours: counts.size, problems };
  } finally {
    await browser.close();
  }
}
