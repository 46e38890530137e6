// The experiments' pages (imbalance.html, clusters.html): the measured tables and their plots, in
// the same self-contained form as the run report. Built from what the experiments recorded
// (imbalance.json, clusters.json: src/records/experiments.ts), never by running anything.
import { fmtMeanStd, meanStd, METHODS } from '../metrics/summary.js';
import type { ClustersRun, ClustersSettingsRecord, ImbalanceRun, ImbalanceSettingsRecord } from '../records/experiments.js';
import { seriesChart } from './charts.js';
import { chartRow, configDetails, escapeHtml, note, page, section } from './html.js';
import { renderFigure } from './render.js';

function table(head: string[], rows: (string | number)[][]): string {
  const h = head.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const b = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${h}</tr></thead><tbody>\n${b}\n</tbody></table>`;
}

export async function imbalancePage(runs: ImbalanceRun[], s: ImbalanceSettingsRecord): Promise<string> {
  const points = (metric: 'acc' | 'nmi') =>
    METHODS.flatMap(([key, name]) =>
      s.rmins.map((rmin) => {
        const v = runs.filter((r) => r.rmin === rmin).map((r) => r[key]?.[metric]).filter((x): x is number => x !== undefined);
        return { x: rmin, y: v.length ? meanStd(v).mean : NaN, series: name };
      }),
    );
  const figures = await Promise.all([
    renderFigure(seriesChart('imbalance-acc', 'ACC against r_min', points('acc'), 'r_min (smallest class kept with this probability)', 'ACC', [0, 1])),
    renderFigure(seriesChart('imbalance-nmi', 'NMI against r_min', points('nmi'), 'r_min', 'NMI', [0, 1])),
  ]);
  const rows = (metric: 'acc' | 'nmi') =>
    METHODS.map(([key, name]) => [name, ...s.rmins.map((rmin) => {
      const v = runs.filter((r) => r.rmin === rmin).map((r) => r[key]?.[metric]).filter((x): x is number => x !== undefined);
      return v.length ? fmtMeanStd(v) : '–';
    })]);
  const head = (m: string) => [m, ...s.rmins.map((r) => `r_min ${r}`)];
  const mode = s.mode === 'paper' ? "the paper's protocol: class c kept with probability r_min + (1 − r_min)·c/(C − 1)" : 'class 0 alone kept with probability r_min';
  const body = [
    `<h1>Imbalanced clusters</h1>`,
    note(`${mode}; seeds ${s.seeds.join(', ')}; mean ± std over seeds.`),
    section('ACC and NMI against r_min', chartRow(figures)),
    section('ACC', table(head('method'), rows('acc'))),
    section('NMI', table(head('method'), rows('nmi'))),
    section('Points per class (first seed)', table(head('class'), Object.keys(runs[0]?.class_sizes ?? {}).map((c) => [c, ...s.rmins.map((rmin) => runs.find((r) => r.rmin === rmin)?.class_sizes[c] ?? 0)]))),
    section('Settings', configDetails(s, 'the experiment\'s settings (settings.json)')),
  ];
  return page('webgpu-dec: imbalanced clusters', body.join('\n'));
}

/** `suggested`: the k the experiment suggested and why (clusters.json's `suggested`), or null. */
export async function clustersPage(runs: ClustersRun[], s: ClustersSettingsRecord, suggested: { k: number; reason: string } | null): Promise<string> {
  const sorted = [...runs].sort((a, b) => a.k - b.k);
  const g = sorted.map((r) => ({ x: r.k, y: r.g, series: 'G' }));
  const nmi = sorted.map((r) => ({ x: r.k, y: r.nmi ?? NaN, series: 'NMI' }));
  // G stays near 1: three decimals on the axis, or the ticks all read "1.01".
  const charts = [seriesChart('clusters-g', 'Generalizability G = L_train / L_val against k', g, 'k (clusters)', 'G', undefined, '.3f')];
  if (sorted.some((r) => r.nmi !== null)) charts.push(seriesChart('clusters-nmi', 'NMI (all points) against k', nmi, 'k (clusters)', 'NMI', [0, 1]));
  const figures = await Promise.all(charts.map(renderFigure));
  const f = (v: number | null) => (v === null ? '–' : v.toFixed(3));
  const body = [
    `<h1>Number of clusters</h1>`,
    note(`A stratified ${Math.round(s.valFraction * 100)} % validation split (seed ${s.seed}) held out; one pretraining on the rest, k-means + DEC for each k.`),
    suggested ? `<p><b>Suggested k = ${suggested.k}</b>: ${escapeHtml(suggested.reason)}.</p>` : '',
    section('G and NMI against k', chartRow(figures)),
    section('Per k', table(['k', 'L_train', 'L_val', 'G', 'NMI', 'ACC', 'DEC iterations', 'seconds'], sorted.map((r) => [r.k, r.l_train.toPrecision(4), r.l_val.toPrecision(4), f(r.g), f(r.nmi), f(r.acc), r.dec_iterations, r.seconds]))),
    section('Settings', configDetails(s, 'the experiment\'s settings (settings.json)')),
  ];
  return page('webgpu-dec: number of clusters', body.join('\n'));
}
