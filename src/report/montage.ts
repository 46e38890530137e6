// Picture strips for the report: per cluster, its most and its least confident members side by
// side, as PNG data URIs (no files next to the page, nothing to load). Grayscale pictures, each
// stretched to its own black..white range, scaled up ×SCALE with a transparent gap between tiles.
import { PNG } from 'pngjs';
import type { Assignments, ReportImages } from './input.js';

export const SCALE = 2;
export const GAP = 2;
export const PER_STRIP = 8;

export interface ClusterMontage {
  cluster: number;
  size: number;
  /** Members by confidence, highest first, as PNG data URIs; null for an empty cluster. */
  most: string | null;
  /** Members by confidence, lowest first. */
  least: string | null;
  /** The confidences shown, in tile order (for the caption). */
  mostConfidence: number[];
  leastConfidence: number[];
}

/** One picture stretched to 0..255: data may be 0..1, 0..255 or standardised. */
function toGray(px: ArrayLike<number>): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < px.length; i++) {
    lo = Math.min(lo, px[i]);
    hi = Math.max(hi, px[i]);
  }
  const out = new Uint8Array(px.length);
  const span = hi - lo;
  if (span > 0) for (let i = 0; i < px.length; i++) out[i] = Math.round((255 * (px[i] - lo)) / span);
  return out;
}

/** One row of tiles, the pictures of input-file rows `rows`, scaled ×SCALE, as a data URI. */
export function stripPng(images: ReportImages, rows: number[]): string {
  const { height: h, width: w } = images;
  const tw = w * SCALE;
  const png = new PNG({ width: rows.length * tw + (rows.length - 1) * GAP, height: h * SCALE, colorType: 6 });
  png.data.fill(0); // transparent gaps
  rows.forEach((row, t) => {
    const px = images.pixels(row);
    if (px.length !== h * w) throw new Error(`report: picture of row ${row} has ${px.length} values, expected ${h}×${w}`);
    const g = toGray(px);
    const x0 = t * (tw + GAP);
    for (let y = 0; y < h * SCALE; y++) {
      for (let x = 0; x < tw; x++) {
        const v = g[Math.floor(y / SCALE) * w + Math.floor(x / SCALE)];
        const o = (y * png.width + x0 + x) * 4;
        png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
        png.data[o + 3] = 255;
      }
    }
  });
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** Per cluster 0..k-1: its size and its PER_STRIP most and least confident members (positions in `a`). */
function strips(a: Assignments, k: number): { size: number; most: number[]; least: number[] }[] {
  const members: number[][] = Array.from({ length: k }, () => []);
  a.cluster.forEach((c, i) => {
    while (members.length <= c) members.push([]);
    members[c].push(i);
  });
  return members.map((m) => {
    m.sort((i, j) => a.confidence[j] - a.confidence[i] || a.index[i] - a.index[j]);
    return { size: m.length, most: m.slice(0, PER_STRIP), least: m.slice(-PER_STRIP).reverse() };
  });
}

/** The input rows whose pictures the cluster montages show (so that a caller can read just those). */
export function montageRows(a: Assignments, k: number): number[] {
  return strips(a, k).flatMap((s) => [...s.most, ...s.least].map((i) => a.index[i]));
}

/** Per cluster 0..k-1: the PER_STRIP most and least confident members' pictures. */
export function clusterMontages(a: Assignments, images: ReportImages, k: number): ClusterMontage[] {
  return strips(a, k).map(({ size, most, least }, cluster) => ({
    cluster,
    size,
    most: size ? stripPng(images, most.map((i) => a.index[i])) : null,
    least: size ? stripPng(images, least.map((i) => a.index[i])) : null,
    mostConfidence: most.map((i) => a.confidence[i]),
    leastConfidence: least.map((i) => a.confidence[i]),
  }));
}

/** One picture turned by theta (radians) and moved by (tx, ty) pixels, bilinear, zero outside: the map augment.wgsl applies. */
export function warpPicture(px: ArrayLike<number>, h: number, w: number, { theta, tx, ty }: { theta: number; tx: number; ty: number }): Float64Array {
  const out = new Float64Array(h * w);
  const [cx, cy, c, s] = [(w - 1) / 2, (h - 1) / 2, Math.cos(theta), Math.sin(theta)];
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= w || y >= h ? 0 : px[y * w + x]);
  for (let e = 0; e < h * w; e++) {
    const [dx, dy] = [(e % w) - cx - tx, Math.floor(e / w) - cy - ty];
    const [sx, sy] = [c * dx + s * dy + cx, -s * dx + c * dy + cy];
    const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
    const [fx, fy] = [sx - x0, sy - y0];
    out[e] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
  }
  return out;
}

/** The augmentation's examples: the clean pictures and the same ones warped, as two strips. */
export function augmentStrips(images: ReportImages, examples: { index: number; theta: number; tx: number; ty: number }[]): { clean: string; warped: string } {
  const rows = examples.map((e) => e.index);
  const warped: ReportImages = { ...images, pixels: (i) => warpPicture(images.pixels(examples[i].index), images.height, images.width, examples[i]) };
  return { clean: stripPng(images, rows), warped: stripPng(warped, examples.map((_, i) => i)) };
}
