// The page around the charts: shell and inline CSS, header, score and timing tables, the config,
// the picture montages. Plain HTML that needs no script and loads nothing.
import type { ClusterMontage } from './montage.js';
import type { ReportMetrics, Scores } from './input.js';

export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #222; background: #fff; margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e4e4e4; padding-bottom: 4px; }
.sub { color: #555; margin: 0 0 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: #666; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: 4px 0; }
th, td { padding: 3px 12px; text-align: right; border-bottom: 1px solid #eee; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 1px solid #bbb; }
.row { display: flex; flex-wrap: wrap; gap: 0 56px; align-items: flex-start; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 20px; }
figure { margin: 0; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 12px; margin-top: 2px; }
.note { color: #666; font-style: italic; }
table.montage th, table.montage td { text-align: left; vertical-align: middle; }
table.montage img { image-rendering: pixelated; display: block; }
table.montage .conf { color: #777; font-size: 11px; }
details pre { background: #f6f6f6; padding: 8px 12px; overflow-x: auto; font-size: 12px; }
`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}

export const section = (title: string, content: string) => `<section><h2>${escapeHtml(title)}</h2>\n${content}\n</section>`;
/** Short sections next to each other (the score and timing tables), wrapping on a narrow screen. */
export const row = (sections: string[]) => `<div class="row">${sections.join('\n')}</div>`;
export const note = (text: string) => `<p class="note">${escapeHtml(text)}</p>`;
export const chartRow = (figures: string[]) => `<div class="charts">${figures.join('\n')}</div>`;

export function header(m: ReportMetrics, date: string | undefined): string {
  const facts: [string, string][] = [
    ['preset', m.preset],
    ['seed', String(m.seed)],
    ['adapter', m.adapter],
  ];
  if (m.dec_iterations !== undefined) facts.push(['DEC iterations', `${m.dec_iterations}${m.stopped_by ? `, stopped by ${m.stopped_by}` : ''}`]);
  if (date) facts.push(['finished', date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')]);
  const dl = facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  return `<header><h1>webgpu-dec run report</h1><p class="sub">${escapeHtml(m.data.name)}: n = ${m.data.n}, d = ${m.data.d}, k = ${m.data.k}</p><dl class="facts">${dl}</dl></header>`;
}

const fmt = (x: number | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '—');

export function scoresTable(m: ReportMetrics): string {
  const rows: [string, Scores | null][] = [
    ['DEC', m.dec],
    ['AE + k-means', m.ae_kmeans],
    ['raw k-means', m.raw_kmeans],
  ];
  if (rows.every(([, s]) => !s)) return note('No labels, so no ACC / NMI / ARI: the scores need ground truth.');
  const body = rows.map(([name, s]) => `<tr><td>${name}</td><td>${fmt(s?.acc)}</td><td>${fmt(s?.nmi)}</td><td>${fmt(s?.ari)}</td></tr>`).join('');
  return `<table><thead><tr><th>method</th><th>ACC</th><th>NMI</th><th>ARI</th></tr></thead><tbody>${body}</tbody></table>`;
}

const fmt1 = (x: number) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(1) : '—');

const PHASES: Record<string, string> = { raw_kmeans: 'raw k-means', pretrain: 'pretraining', kmeans: 'k-means on the embedding', dec: 'DEC', total: 'total' };

export function timingsTable(seconds: Record<string, number>): string {
  const keys = [...Object.keys(PHASES).filter((k) => k in seconds), ...Object.keys(seconds).filter((k) => !(k in PHASES))];
  const body = keys.map((k) => `<tr><td>${escapeHtml(PHASES[k] ?? k)}</td><td>${fmt1(seconds[k])}</td></tr>`).join('');
  return `<table><thead><tr><th>phase</th><th>seconds</th></tr></thead><tbody>${body}</tbody></table>`;
}
export function configDetails(config: unknown, summary = 'config.json (the resolved configuration)'): string {
  return `<details><summary>${escapeHtml(summary)}</summary><pre>${escapeHtml(JSON.stringify(config, null, 2))}</pre></details>`;
}

const confs = (c: number[]) => `<div class="conf">confidence ${c.map((x) => x.toFixed(2)).join(' ')}</div>`;
const img = (src: string, alt: string) => `<img src="${src}" alt="${escapeHtml(alt)}">`;

/** One table row per cluster: its name (with the mapped label where known), then the two strips. */
export function montageTable(montages: ClusterMontage[], name: (cluster: number) => string, perStrip: number): string {
  const rows = montages.map((m) => {
    const label = `${escapeHtml(name(m.cluster))}<div class="conf">${m.size} points</div>`;
    if (!m.most || !m.least) return `<tr><td>${label}</td><td colspan="2" class="note">empty cluster</td></tr>`;
    return `<tr><td>${label}</td><td>${img(m.most, `cluster ${m.cluster}, most confident`)}${confs(m.mostConfidence)}</td><td>${img(m.least, `cluster ${m.cluster}, least confident`)}${confs(m.leastConfidence)}</td></tr>`;
  });
  return `<table class="montage"><thead><tr><th>cluster</th><th>${perStrip} most confident</th><th>${perStrip} least confident</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

/** The augmentation's examples: clean pictures above, the same pictures warped below. */
export function augmentTable(clean: string, warped: string, count: number): string {
  const r = (what: string, src: string) => `<tr><td>${what}</td><td>${img(src, `${count} training images, ${what}`)}</td></tr>`;
  return `<table class="montage"><tbody>${r('clean', clean)}\n${r('warped as in training', warped)}</tbody></table>`;
}
