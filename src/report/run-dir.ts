// Reads a run directory (train --out) into a ReportInput through the files' records (src/records).
// metrics.json, config.json and assignments.csv are required; history.json and tsne.csv (+
// tsne.json) are optional, and the report says what is missing. Pictures are not in the run
// directory: the caller adds them from the data.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { ASSIGNMENTS_FILE, readAssignments } from '../records/assignments.js';
import { HISTORY_FILE, readHistory } from '../records/history.js';
import { CONFIG_FILE } from '../records/config.js';
import { readJson } from '../records/json.js';
import { METRICS_FILE, readMetrics } from '../records/metrics.js';
import { readTsne } from '../records/tsne.js';
import type { ReportInput } from './input.js';

/**
 * Reads a run folder (train --out, or cluster's `out`) into a ReportInput; `images` is null (add
 * them from the data).
 */
export function readRunDir(dir: string): ReportInput {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${dir}: no such folder; give the run directory that train --out wrote`);
  for (const name of [METRICS_FILE, CONFIG_FILE, ASSIGNMENTS_FILE]) {
    if (!existsSync(join(dir, name))) throw new InputError(`${dir}: no ${name}; is this a webgpu-dec run directory (train --out)?`);
  }
  const metrics = readMetrics(dir);
  const date = typeof metrics.date === 'string' ? metrics.date : statSync(join(dir, METRICS_FILE)).mtime.toISOString();
  return {
    metrics,
    config: readJson(dir, CONFIG_FILE),
    history: existsSync(join(dir, HISTORY_FILE)) ? readHistory(dir) : null,
    assignments: readAssignments(dir),
    tsne: readTsne(dir),
    images: null,
    date,
  };
}
