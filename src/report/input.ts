// What the report is built from: the files a run recorded (metrics.json, config.json,
// assignments.csv, history.json, tsne.csv + tsne.json), as their records (src/records) type them,
// plus the input pictures when the caller has them. The report never re-runs work; everything it
// shows is in here.
import type { Assignments } from '../records/assignments.js';
import type { RunHistory } from '../records/history.js';
import type { RunMetrics } from '../records/metrics.js';
import type { Tsne } from '../records/tsne.js';

export type { Assignments } from '../records/assignments.js';
export type { RunHistory as History, PretrainEntry, DecEntry } from '../records/history.js';
export type { RunMetrics as ReportMetrics, Scores } from '../records/metrics.js';
export type { Tsne, TsneRows, TsneInfo, TsneStageInfo } from '../records/tsne.js';

/** The input pictures, when the data are images (grayscale, height × width, row-major). */
export interface ReportImages {
  height: number;
  width: number;
  /** Pixels of the input file's row `index`: values 0..1 or 0..255, normalised per picture. */
  pixels: (index: number) => ArrayLike<number>;
}

/**
 * Everything the report is built from: a run folder's files (readRunDir), plus the input pictures
 * when the caller has them.
 */
export interface ReportInput {
  metrics: RunMetrics;
  /** config.json as written (the resolved config); shown verbatim. */
  config: unknown;
  history: RunHistory | null;
  assignments: Assignments;
  tsne: Tsne | null;
  images: ReportImages | null;
  /** When the run finished (ISO 8601), if known: shown in the header. */
  date?: string;
}
