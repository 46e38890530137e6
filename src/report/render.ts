// Vega-Lite spec → static SVG, in Node: compiled by vega-lite, rendered by vega's headless view
// (renderer 'none', no canvas: text widths are estimated, which is enough for axis layout).
// The report needs no script to be read, so every chart is inlined as the SVG vega emits.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Spec as VegaSpec } from 'vega';
import { escapeHtml } from './html.js';

/**
 * The data marks a reader can count in vega's SVG: each point of a scatter or of a line with point
 * markers is an element in a `g.mark-symbol.role-mark`, each bar or heatmap cell one in a
 * `g.mark-rect.role-mark` (legends and axes use other roles, lines themselves are one path per series
 * and text labels are not counted).
 */
export const MARK_SELECTOR = 'g.mark-symbol.role-mark > *, g.mark-rect.role-mark > *';

export interface Chart {
  /** A stable name, the figure's data-chart attribute. */
  name: string;
  /** The chart as Vega-Lite, or (`vega`) as Vega itself where Vega-Lite cannot say it. */
  spec: TopLevelSpec | { vega: VegaSpec };
  /**
   * How many elements MARK_SELECTOR finds in the rendered chart; for a raster chart, the points
   * its picture holds (MARK_SELECTOR then finds none: they are pixels).
   */
  marks: number;
  /** The data marks are a PNG inside the SVG (raster.ts), not SVG elements. */
  raster?: boolean;
  caption?: string;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Looks shared by every chart: the page's font, no outer padding box, quiet grid. */
export const BASE_CONFIG = {
  font: FONT,
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const },
};

export async function renderSvg(spec: Chart['spec']): Promise<string> {
  const view = new vega.View(vega.parse('vega' in spec ? spec.vega : compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as a <figure data-chart data-marks>, its caption (plain text) below. */
export async function renderFigure(chart: Chart): Promise<string> {
  const svg = await renderSvg(chart.spec);
  const caption = chart.caption ? `<figcaption>${escapeHtml(chart.caption)}</figcaption>` : '';
  const raster = chart.raster ? ' data-raster="png"' : '';
  return `<figure data-chart="${escapeHtml(chart.name)}" data-marks="${chart.marks}"${raster}>${svg}${caption}</figure>`;
}
