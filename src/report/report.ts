// The run report: one self-contained HTML file (inline CSS, charts as static SVG, pictures as PNG
// data URIs) built from what the run recorded. Sections a run has no data for say so in one line.
import { writeAtomic } from '../io/atomic.js';
import { confusionChart, decChangedChart, decLossChart, decScoresChart, pretrainLossChart, tsneChart } from './charts.js';
import { confusion, rowName, type Confusion } from './confusion.js';
import { augmentTable, chartRow, configDetails, header, montageTable, note, page, row, scoresTable, section, timingsTable } from './html.js';
import type { History, ReportInput, Tsne } from './input.js';
import { augmentStrips, clusterMontages, PER_STRIP } from './montage.js';
import { renderFigure, type Chart } from './render.js';

/** The report's file name in a run folder. */
export const REPORT_FILE = 'report.html';

const figures = (charts: Chart[]) => Promise.all(charts.map(renderFigure));

async function curvesSection(history: History | null): Promise<string> {
  if (!history) return section('Training curves', note('No history.json in this run, so no training curves.'));
  const charts = [
    history.pretrain.length ? pretrainLossChart(history.pretrain) : null,
    history.dec.length ? decLossChart(history.dec) : null,
    history.dec.length ? decChangedChart(history.dec) : null,
    decScoresChart(history.dec),
  ].filter((c): c is Chart => c !== null);
  if (!charts.length) return section('Training curves', note('history.json holds no entries.'));
  return section('Training curves', chartRow(await figures(charts)));
}

async function confusionSection(c: Confusion): Promise<string> {
  const [fig] = await figures([confusionChart(c)]);
  return section('Clusters against labels', `${chartRow([fig])}\n${note('Rows: each cluster with the label the best one-to-one map (Hungarian, as in ACC) gives it.')}`);
}

const STAGE_ORDER = ['pretrain', 'dec'];

async function tsneSection(tsne: Tsne | null): Promise<string> {
  if (!tsne) return section('t-SNE', note('No t-SNE in this run (no tsne.csv).'));
  const present = [...new Set(tsne.rows.stage)];
  const stages = [...STAGE_ORDER.filter((s) => present.includes(s)), ...present.filter((s) => !STAGE_ORDER.includes(s)).sort()];
  const charts = stages.flatMap((s) => {
    const info = tsne.info?.stages?.[s];
    const byCluster = tsneChart(tsne.rows, s, 'cluster', info);
    return tsne.rows.label ? [byCluster, tsneChart(tsne.rows, s, 'label', info)] : [byCluster];
  });
  const i = tsne.info;
  const stage = i ? Object.values(i.stages)[0] : undefined;
  const method = stage?.method === 'fft' ? `, the fft method (node grid up to ${i!.max_grid ?? 2048}²)` : stage?.method === 'exact' ? ', exact' : '';
  const sample = stage?.trustworthiness_points && stage.trustworthiness_points < i!.n ? `; trustworthiness on a seeded sample of ${stage.trustworthiness_points.toLocaleString('en-US')}` : '';
  const about = i ? note(`${i.n.toLocaleString('en-US')} points, perplexity ${i.perplexity}, ${i.iterations} iterations${method}${sample}.`) : '';
  return section('t-SNE', `${chartRow(await figures(charts))}\n${about}`);
}

function montageSection(input: ReportInput, c: Confusion | null): string {
  const title = 'Most and least confident members per cluster';
  if (!input.images) return section(title, note('No pictures: the report was built without the input images.'));
  const montages = clusterMontages(input.assignments, input.images, input.metrics.data.k);
  const name = (cluster: number) => (c ? rowName(c, cluster) : `cluster ${cluster}`);
  return section(title, montageTable(montages, name, PER_STRIP));
}

function augmentSection(input: ReportInput): string {
  const a = input.history?.augment;
  if (!a) return '';
  const title = 'Augmentation';
  const about = `Every training batch is warped afresh: each image turned by up to ±${a.rotate}° and shifted by up to ±${Math.round(a.shift * 100)} % of its side (DEC-DA). k-means and the assignments see clean data.`;
  if (!input.images) return section(title, note(`${about} No pictures: the report was built without the input images.`));
  const { clean, warped } = augmentStrips(input.images, a.examples);
  return section(title, `${note(about)}\n${augmentTable(clean, warped, a.examples.length)}`);
}

/** The report as one self-contained HTML page (inline CSS, charts as SVG, pictures as PNG data URIs). */
export async function buildReport(input: ReportInput): Promise<string> {
  const { metrics, assignments } = input;
  const c = assignments.label ? confusion(assignments.cluster, assignments.label, metrics.data.k) : null;
  const body = [
    header(metrics, input.date),
    row([section('Scores', scoresTable(metrics)), section('Time per phase', timingsTable(metrics.seconds))]),
    await curvesSection(input.history),
    c ? await confusionSection(c) : '',
    await tsneSection(input.tsne),
    montageSection(input, c),
    augmentSection(input),
    section('Configuration', configDetails(input.config)),
  ];
  return page(`webgpu-dec report: ${metrics.data.name}`, body.filter(Boolean).join('\n'));
}

/** Builds the report and writes DIR/report.html (to a temporary name, then renamed); returns its path. */
export async function writeReport(dir: string, input: ReportInput): Promise<string> {
  return writeAtomic(dir, REPORT_FILE, await buildReport(input));
}
