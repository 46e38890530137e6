// Reads a run directory (train --out) into a ReportInput. metrics.json, config.json and
// assignments.csv are required; history.json and tsne.csv (+ tsne.json) are optional, and the report
// says what is missing. Pictures are not in the run directory: the caller adds them from the data.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { checkColumns, numberColumn, parseCsv, stringColumn } from './csv.js';
import type { Assignments, History, ReportInput, ReportMetrics, Tsne, TsneInfo } from './input.js';

const HISTORY_FORMAT = 'webgpu-dec-history/';

function readJson(dir: string, name: string): unknown {
  const path = join(dir, name);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message}); was it written by webgpu-dec train?`);
  }
}

function readMetrics(dir: string): ReportMetrics {
  const m = readJson(dir, 'metrics.json') as Partial<ReportMetrics> | null;
  if (!m || typeof m !== 'object' || !m.data || !m.seconds) throw new InputError(`${join(dir, 'metrics.json')}: no "data" or "seconds"; is this a webgpu-dec metrics file?`);
  return m as ReportMetrics;
}

function readAssignments(dir: string): Assignments {
  const t = parseCsv(join(dir, 'assignments.csv'), readFileSync(join(dir, 'assignments.csv'), 'utf8'));
  const labelled = checkColumns(t, ['index', 'cluster', 'confidence'], 'label');
  return {
    index: numberColumn(t, 'index', Int32Array),
    cluster: numberColumn(t, 'cluster', Uint32Array),
    confidence: numberColumn(t, 'confidence', Float32Array),
    label: labelled ? numberColumn(t, 'label', Int32Array) : null,
  };
}

function readHistory(dir: string): History | null {
  if (!existsSync(join(dir, 'history.json'))) return null;
  const h = readJson(dir, 'history.json') as Partial<History> | null;
  if (!h || typeof h.format !== 'string' || !h.format.startsWith(HISTORY_FORMAT) || !Array.isArray(h.pretrain) || !Array.isArray(h.dec)) {
    throw new InputError(`${join(dir, 'history.json')}: not a ${HISTORY_FORMAT}N file (format "${h?.format}")`);
  }
  return h as History;
}

function readTsne(dir: string): Tsne | null {
  if (!existsSync(join(dir, 'tsne.csv'))) return null;
  const t = parseCsv(join(dir, 'tsne.csv'), readFileSync(join(dir, 'tsne.csv'), 'utf8'));
  const labelled = checkColumns(t, ['index', 'stage', 'x', 'y', 'cluster'], 'label');
  const rows = {
    index: numberColumn(t, 'index', Int32Array),
    stage: stringColumn(t, 'stage'),
    x: numberColumn(t, 'x', Float32Array),
    y: numberColumn(t, 'y', Float32Array),
    cluster: numberColumn(t, 'cluster', Uint32Array),
    label: labelled ? numberColumn(t, 'label', Int32Array) : null,
  };
  const info = existsSync(join(dir, 'tsne.json')) ? (readJson(dir, 'tsne.json') as TsneInfo) : null;
  return { rows, info };
}

/**
 * Reads a run folder (train --out, or cluster's `out`) into a ReportInput; `images` is null (add
 * them from the data).
 */
export function readRunDir(dir: string): ReportInput {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${dir}: no such folder; give the run directory that train --out wrote`);
  for (const name of ['metrics.json', 'config.json', 'assignments.csv']) {
    if (!existsSync(join(dir, name))) throw new InputError(`${dir}: no ${name}; is this a webgpu-dec run directory (train --out)?`);
  }
  const metrics = readMetrics(dir);
  const date = typeof metrics.date === 'string' ? metrics.date : statSync(join(dir, 'metrics.json')).mtime.toISOString();
  return {
    metrics,
    config: readJson(dir, 'config.json'),
    history: readHistory(dir),
    assignments: readAssignments(dir),
    tsne: readTsne(dir),
    images: null,
    date,
  };
}
