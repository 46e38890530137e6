// The report layer's public face: read a run directory, build or write its report.html.
export { buildReport, writeReport, REPORT_FILE } from './report.js';
export { readRunDir } from './run-dir.js';
export { MARK_SELECTOR } from './render.js';
export type * from './input.js';
export { montageRows } from './montage.js';
