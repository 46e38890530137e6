// The report's charts as Vega-Lite specs, each with the number of data marks it will draw (see
// MARK_SELECTOR), counted from the rows handed to Vega: nulls are dropped here, not by Vega, so the
// count is exact. Lines carry point markers so that every logged value is a countable mark.
import type { TopLevelSpec } from 'vega-lite';
import { rowName, type Confusion } from './confusion.js';
import type { DecEntry, PretrainEntry, TsneRows, TsneStageInfo } from './input.js';
import * as vega from 'vega';
import { BASE_CONFIG, type Chart } from './render.js';
import { scatterPng } from './raster.js';

const WIDTH = 420;
const HEIGHT = 260;

/** Enough distinct colours for the usual k (≤ 20); beyond that they repeat. */
const palette = (n: number) => (n <= 10 ? 'tableau10' : 'tableau20');

interface XAxis {
  field: string;
  title: string;
  /** Fixed extent, so that charts of the same run line up (DEC curves all span every update). */
  domain?: number[];
  /** Tick format; integers ('d') by default. */
  format?: string;
}

interface YAxis {
  field: string;
  title: string;
  format?: string;
  log?: boolean;
  domain?: number[];
}

/** One line per value of `field`, in the order of `domain`. */
interface Series {
  field: string;
  title: string;
  domain: string[];
}

function lineSpec(title: string, values: object[], x: XAxis, y: YAxis, color?: Series): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    config: BASE_CONFIG,
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 1.5 },
    encoding: {
      x: { field: x.field, type: 'quantitative', title: x.title, axis: x.format ? { format: x.format } : { tickMinStep: 1, format: 'd' }, scale: x.domain ? { domain: x.domain, nice: false } : { zero: false } },
      y: {
        field: y.field,
        type: 'quantitative',
        title: y.title,
        axis: y.format ? { format: y.format } : {},
        scale: y.log ? { type: 'log' } : y.domain ? { domain: y.domain } : { zero: false },
      },
      ...(color ? { color: { field: color.field, type: 'nominal', title: color.title, scale: { domain: color.domain, scheme: palette(color.domain.length) }, legend: { labelLimit: 260 } } } : {}),
    },
  };
}

/** Log scale where losses span more than a factor of 20 (layer-wise stages differ by orders). */
const wantsLog = (v: number[]) => v.length > 1 && Math.min(...v) > 0 && Math.max(...v) / Math.min(...v) > 20;

export function pretrainLossChart(entries: PretrainEntry[]): Chart {
  const values = entries.filter((e) => Number.isFinite(e.loss)).map((e, i) => ({ n: i + 1, stage: e.stage, loss: e.loss, epoch: e.epoch }));
  const stages = [...new Set(values.map((v) => v.stage))];
  const log = wantsLog(values.map((v) => v.loss));
  return {
    name: 'pretrain-loss',
    spec: lineSpec('Reconstruction loss per logged epoch', values, { field: 'n', title: 'logged epoch (all stages in order)' }, { field: 'loss', title: log ? 'loss (log scale)' : 'loss', format: '.3~g', log }, { field: 'stage', title: 'stage', domain: stages }),
    marks: values.length,
  };
}

/** The DEC curves' shared x axis: every target update, from the first to the last. */
function iterations(entries: DecEntry[]): XAxis {
  const its = entries.map((e) => e.iteration);
  const [lo, hi] = [Math.min(...its), Math.max(...its)];
  return { field: 'iteration', title: 'iteration', domain: hi > lo ? [lo, hi] : undefined };
}

const decValues = (entries: DecEntry[], key: 'loss' | 'changed') =>
  entries.filter((e) => typeof e[key] === 'number' && Number.isFinite(e[key])).map((e) => ({ iteration: e.iteration, [key]: e[key] }));

export function decLossChart(entries: DecEntry[]): Chart {
  const values = decValues(entries, 'loss');
  return {
    name: 'dec-loss',
    spec: lineSpec('DEC loss KL(P‖Q) per target update', values, iterations(entries), { field: 'loss', title: 'KL(P‖Q) per point', format: '.3~g' }),
    marks: values.length,
  };
}

export function decChangedChart(entries: DecEntry[]): Chart {
  const values = decValues(entries, 'changed');
  return {
    name: 'dec-changed',
    spec: lineSpec('Points that changed cluster per target update', values, iterations(entries), { field: 'changed', title: 'share changed', format: '.1%' }),
    marks: values.length,
  };
}

/** ACC and NMI per target update; null where no entry has either (data without labels). */
export function decScoresChart(entries: DecEntry[]): Chart | null {
  const values = entries.flatMap((e) =>
    (['acc', 'nmi'] as const).filter((m) => typeof e[m] === 'number' && Number.isFinite(e[m])).map((m) => ({ iteration: e.iteration, metric: m.toUpperCase(), value: e[m] })),
  );
  if (!values.length) return null;
  return {
    name: 'dec-scores',
    spec: lineSpec('ACC and NMI per target update', values, iterations(entries), { field: 'value', title: 'score', domain: [0, 1] }, { field: 'metric', title: 'score', domain: ['ACC', 'NMI'] }),
    marks: values.length,
  };
}

/** Cluster × label counts, rows "cluster c → label l" in the Hungarian map's order. */
export function confusionChart(c: Confusion): Chart {
  const rows = c.rowOrder.map((id) => rowName(c, id));
  const values = c.rowOrder.flatMap((id, r) => c.labels.map((l, j) => ({ row: rows[r], label: String(l), count: c.counts[id][j] })));
  const max = Math.max(1, ...values.map((v) => v.count));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Confusion matrix (cluster × label, counts)',
    width: Math.min(WIDTH - 120, 28 * c.labels.length),
    height: Math.min(HEIGHT + 80, 24 * rows.length),
    config: BASE_CONFIG,
    data: { values },
    encoding: {
      x: { field: 'label', type: 'ordinal', title: 'label', sort: c.labels.map(String), axis: { labelAngle: 0 } },
      y: { field: 'row', type: 'ordinal', title: null, sort: rows },
    },
    layer: [
      // From white at zero, so that empty cells read as empty.
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', title: 'points', scale: { domain: [0, max], range: ['#ffffff', '#08519c'], interpolate: 'rgb' } } } },
      // Counts written in the cells while the cells are big enough to hold them.
      ...(c.labels.length <= 20 && rows.length <= 20
        ? [
            {
              mark: { type: 'text' as const, fontSize: 10 },
              transform: [{ filter: 'datum.count > 0' }],
              encoding: {
                text: { field: 'count', type: 'quantitative' as const },
                color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' },
              },
            },
          ]
        : []),
    ],
  };
  return { name: 'confusion', spec, marks: values.length };
}

const STAGE_TITLES: Record<string, string> = { pretrain: 'after pretraining', dec: 'after DEC' };
const CLUSTER_TITLES: Record<string, string> = { pretrain: 'AE + k-means clusters', dec: 'DEC clusters' };
const TSNE_SIDE = 280;

function tsneCaption(info: TsneStageInfo | undefined): string | undefined {
  if (!info) return undefined;
  return `KL ${info.kl.toFixed(3)} · trustworthiness ${info.trustworthiness.toFixed(3)} · ${info.seconds.toFixed(1)} s`;
}

/** Equal spans on both axes around the points' centre: t-SNE distances mean the same both ways. */
function squareDomains(values: { x: number; y: number }[]): { x: number[]; y: number[] } {
  const xs = values.map((v) => v.x);
  const ys = values.map((v) => v.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const half = (Math.max(x1 - x0, y1 - y0, 1e-9) / 2) * 1.04;
  return { x: [(x0 + x1) / 2 - half, (x0 + x1) / 2 + half], y: [(y0 + y1) / 2 - half, (y0 + y1) / 2 + half] };
}

/**
 * Maps of more points than this are drawn as a picture (raster.ts) inside the chart: beyond a few
 * thousand SVG marks the page grows by megabytes and lays out slowly.
 */
export const RASTER_FROM = 5000;

/** One t-SNE stage's points coloured by cluster or by label (`title`: instead of the stage's; `side`: the plot's size in px). */
export function tsneChart(rows: TsneRows, stage: string, by: 'cluster' | 'label', info?: TsneStageInfo, title?: string, side = TSNE_SIDE): Chart {
  const source = by === 'cluster' ? rows.cluster : rows.label!;
  const values: { x: number; y: number; c: number }[] = [];
  for (let i = 0; i < rows.stage.length; i++) if (rows.stage[i] === stage) values.push({ x: rows.x[i], y: rows.y[i], c: source[i] });
  const domain = [...new Set(values.map((v) => v.c))].sort((a, b) => a - b);
  const square = squareDomains(values);
  const heading = title ?? `${STAGE_TITLES[stage] ?? stage}: ${by === 'cluster' ? (CLUSTER_TITLES[stage] ?? 'clusters') : 'labels'}`;
  if (values.length > RASTER_FROM) return rasterTsneChart(values, domain, square, by, heading, side, `tsne-${stage}-${by}`, tsneCaption(info));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: heading,
    width: side,
    height: side,
    config: BASE_CONFIG,
    data: { values },
    // The points carry no aria labels: thousands of "x: …; y: …" strings would only bloat the page.
    mark: { type: 'point', filled: true, size: 14, opacity: 0.75, aria: false },
    encoding: {
      // t-SNE axes have no units; only the neighbourhoods mean something.
      x: { field: 'x', type: 'quantitative', axis: null, scale: { domain: square.x, nice: false } },
      y: { field: 'y', type: 'quantitative', axis: null, scale: { domain: square.y, nice: false } },
      color: { field: 'c', type: 'nominal', title: by, scale: { domain, scheme: palette(domain.length) } },
    },
  };
  return { name: `tsne-${stage}-${by}`, spec, marks: values.length, caption: tsneCaption(info) };
}

/**
 * The same map with its points as one picture (raster.ts): a Vega spec (Vega-Lite draws a legend
 * only for marks it draws) with the picture as an image mark filling the plot, the legend from the
 * colour scale, the frame and title as the SVG chart's. Marks shrink as points grow (70,000 stay
 * readable: a point is about a pixel).
 */
function rasterTsneChart(values: { x: number; y: number; c: number }[], domain: number[], square: { x: number[]; y: number[] }, by: string, title: string, side: number, name: string, caption?: string): Chart {
  const colours = vega.scheme(palette(domain.length)) as string[];
  const slot = new Map(domain.map((c, i) => [c, i]));
  const radius = Math.max(0.6, Math.min(1.6, side / Math.sqrt(values.length) / 2));
  const url = scatterPng({ x: values.map((v) => v.x), y: values.map((v) => v.y), colour: values.map((v) => slot.get(v.c)!) }, square, colours, side, radius, 0.75);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width: side,
    height: side,
    title: { text: title, anchor: 'start', fontSize: BASE_CONFIG.title.fontSize, font: BASE_CONFIG.font },
    config: { view: BASE_CONFIG.view, legend: { ...BASE_CONFIG.legend, labelFont: BASE_CONFIG.font, titleFont: BASE_CONFIG.font } },
    scales: [{ name: 'colour', type: 'ordinal', domain: domain.map(String), range: colours.slice(0, Math.max(1, domain.length)) }],
    legends: [{ fill: 'colour', title: by, symbolType: 'circle', symbolOpacity: 0.75, aria: false }],
    // The frame is the group's stroke (a rect mark would count as a data mark: MARK_SELECTOR).
    marks: [
      {
        type: 'group',
        encode: { enter: { x: { value: 0 }, y: { value: 0 }, width: { value: side }, height: { value: side }, stroke: { value: BASE_CONFIG.view.stroke }, fill: { value: 'transparent' } } },
        marks: [{ type: 'image', aria: false, encode: { enter: { url: { value: url }, x: { value: 0 }, y: { value: 0 }, width: { value: side }, height: { value: side }, aspect: { value: false }, smooth: { value: true } } } }],
      },
    ],
  } as unknown as import('vega').Spec;
  return { name, spec: { vega: spec }, marks: values.length, raster: true, caption };
}

/**
 * A quantity against a numeric setting, one line per series (the experiments' pages: ACC against
 * r_min per method, NMI and G against k). Non-finite values are left out (and not counted).
 */
export function seriesChart(name: string, title: string, points: { x: number; y: number; series: string }[], xTitle: string, yTitle: string, yDomain?: number[], yFormat = '.3~g'): Chart {
  const values = points.filter((p) => Number.isFinite(p.y));
  const series = [...new Set(values.map((v) => v.series))];
  const xs = values.map((v) => v.x);
  const spec = lineSpec(
    title,
    values,
    // r_min is a fraction: its ticks are not integers.
    { field: 'x', title: xTitle, domain: xs.length ? [Math.min(...xs), Math.max(...xs)] : undefined, format: xs.every(Number.isInteger) ? undefined : '.1f' },
    { field: 'y', title: yTitle, format: yFormat, domain: yDomain },
    series.length > 1 ? { field: 'series', title: '', domain: series } : undefined,
  );
  return { name, spec, marks: values.length };
}
