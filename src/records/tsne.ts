// A run's t-SNE maps: tsne.csv (index,stage,x,y,cluster[,label]: the subset's points after
// pretraining, stage "pretrain", and after DEC, stage "dec") and tsne.json (the settings, and KL,
// T(5) and seconds per stage). Written by src/run/maps.ts, read by the report.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../io/atomic.js';
import { checkColumns, numberColumn, parseCsv, stringColumn } from './csv.js';
import { readJson, writeJson } from './json.js';

export const TSNE_CSV = 'tsne.csv';
export const TSNE_JSON = 'tsne.json';

/** tsne.csv as columns: `stage` is "pretrain" (cluster = AE+k-means) or "dec" (cluster = DEC). */
export interface TsneRows {
  index: Int32Array;
  stage: string[];
  x: Float32Array;
  y: Float32Array;
  cluster: Uint32Array;
  label: Int32Array | null;
}

/** One stage's t-SNE figures. */
export interface TsneStageInfo {
  /** KL(P ‖ Q) of the map (the fft method's with its interpolated Z). */
  kl: number;
  trustworthiness: number;
  /** Points T(5) was measured on: all, or a seeded sample of 5,000 (absent in older files: all). */
  trustworthiness_points?: number;
  seconds: number;
  /** 'exact' or 'fft' (absent in older files: exact). */
  method?: string;
  learning_rate?: number;
}

/** tsne.json. */
export interface TsneInfo {
  n: number;
  perplexity: number;
  iterations: number;
  init?: string;
  /** How the points were chosen. */
  subset?: string;
  /** The fft method's largest FFT grid side (absent in older files). */
  max_grid?: number;
  stages: Record<string, TsneStageInfo>;
}

/** tsne.csv and, where present, tsne.json. */
export interface Tsne {
  rows: TsneRows;
  info: TsneInfo | null;
}

/**
 * Writes DIR/tsne.csv (the stages one after the other, in the order they first appear; in each,
 * the points sorted by index; coordinates to 6 significant digits) and DIR/tsne.json.
 */
export function writeTsne(dir: string, t: { rows: TsneRows; info: TsneInfo }): void {
  const { rows, info } = t;
  const rank = new Map([...new Set(rows.stage)].map((stage, r) => [stage, r]));
  const order = Array.from(rows.index, (_, i) => i).sort((a, b) => rank.get(rows.stage[a])! - rank.get(rows.stage[b])! || rows.index[a] - rows.index[b]);
  const lines = [rows.label ? 'index,stage,x,y,cluster,label' : 'index,stage,x,y,cluster'];
  for (const i of order) {
    const cells: (string | number)[] = [rows.index[i], rows.stage[i], rows.x[i].toPrecision(6), rows.y[i].toPrecision(6), rows.cluster[i]];
    if (rows.label) cells.push(rows.label[i]);
    lines.push(cells.join(','));
  }
  writeAtomic(dir, TSNE_CSV, lines.join('\n') + '\n');
  writeJson(dir, TSNE_JSON, info);
}

/** DIR's maps, or null where the run drew none. */
export function readTsne(dir: string): Tsne | null {
  if (!existsSync(join(dir, TSNE_CSV))) return null;
  const t = parseCsv(join(dir, TSNE_CSV), readFileSync(join(dir, TSNE_CSV), 'utf8'));
  const labelled = checkColumns(t, ['index', 'stage', 'x', 'y', 'cluster'], 'label');
  const rows = {
    index: numberColumn(t, 'index', Int32Array),
    stage: stringColumn(t, 'stage'),
    x: numberColumn(t, 'x', Float32Array),
    y: numberColumn(t, 'y', Float32Array),
    cluster: numberColumn(t, 'cluster', Uint32Array),
    label: labelled ? numberColumn(t, 'label', Int32Array) : null,
  };
  const info = existsSync(join(dir, TSNE_JSON)) ? (readJson(dir, TSNE_JSON) as TsneInfo) : null;
  return { rows, info };
}
