// A scatter plot's points as a PNG (a data URI), for maps too large to draw as SVG marks: 70,000
// points make a 10 MB SVG that a browser lays out slowly, and a report that must stay script-free
// cannot draw them on a canvas. The picture holds the points only; the chart around it (title,
// frame, legend) is still Vega's (charts.ts). Each point is a small disc in its category's colour,
// blended at the SVG marks' opacity, drawn in row order as Vega would draw the marks.
import { PNG } from 'pngjs';

/** Supersampling: the picture has SCALE × the chart's pixels a side (sharp on high-density screens). */
export const RASTER_SCALE = 2;

export interface RasterPoints {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Index into `colours` of each point. */
  colour: ArrayLike<number>;
}

/** '#rrggbb' → [r, g, b]. */
function rgb(hex: string): [number, number, number] {
  const v = parseInt(hex.replace('#', ''), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * The points on a side × side chart whose axes span `domain` (x left to right, y bottom to top),
 * as a PNG data URI of (side · RASTER_SCALE)² pixels, transparent where no point is. `radius` in
 * chart pixels; `opacity` as the SVG marks'.
 */
export function scatterPng(p: RasterPoints, domain: { x: number[]; y: number[] }, colours: string[], side: number, radius: number, opacity: number): string {
  const px = Math.round(side * RASTER_SCALE);
  const png = new PNG({ width: px, height: px, colorType: 6 });
  png.data.fill(0);
  const r = radius * RASTER_SCALE;
  const reach = Math.ceil(r);
  const palette = colours.map(rgb);
  const sx = px / (domain.x[1] - domain.x[0]);
  const sy = px / (domain.y[1] - domain.y[0]);
  for (let i = 0; i < p.x.length; i++) {
    const cx = (p.x[i] - domain.x[0]) * sx;
    const cy = (domain.y[1] - p.y[i]) * sy;
    const [cr, cg, cb] = palette[p.colour[i] % palette.length];
    for (let yy = Math.max(0, Math.floor(cy - reach)); yy <= Math.min(px - 1, Math.ceil(cy + reach)); yy++)
      for (let xx = Math.max(0, Math.floor(cx - reach)); xx <= Math.min(px - 1, Math.ceil(cx + reach)); xx++) {
        // Coverage of the pixel by the disc, from the distance of its centre (a one-pixel ramp: smooth edges).
        const d = Math.hypot(xx + 0.5 - cx, yy + 0.5 - cy);
        const a = opacity * Math.min(1, Math.max(0, r + 0.5 - d));
        if (a <= 0) continue;
        const o = (yy * px + xx) * 4;
        // "Over" compositing onto what is there (straight alpha).
        const da = png.data[o + 3] / 255;
        const oa = a + da * (1 - a);
        const mix = (src: number, dst: number) => Math.round((src * a + dst * da * (1 - a)) / oa);
        png.data[o] = mix(cr, png.data[o]);
        png.data[o + 1] = mix(cg, png.data[o + 1]);
        png.data[o + 2] = mix(cb, png.data[o + 2]);
        png.data[o + 3] = Math.round(oa * 255);
      }
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
