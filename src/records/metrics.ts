// metrics.json: what a run scored and how long it took, written by the run (src/run/outputs.ts),
// read by the report and the benchmarks.
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { readJson, writeJson } from './json.js';

export const METRICS_FILE = 'metrics.json';

/** ACC, NMI and ARI, rounded to 4 decimals. */
export interface Scores {
  acc: number;
  nmi: number;
  ari: number;
}

/** What metrics.json holds. */
export interface RunMetrics {
  dec: Scores | null;
  ae_kmeans: Scores | null;
  raw_kmeans: Scores | null;
  /** Seconds per phase, to 0.1 s. */
  seconds: { pretrain: number; kmeans: number; dec: number; raw_kmeans: number; total: number };
  dec_iterations: number;
  stopped_by: 'tol' | 'max_iter';
  seed: number;
  preset: string;
  adapter: string;
  data: { name: string; n: number; d: number; k: number };
  /** Where the data's rows were: all on the GPU, or read from the file a window at a time (out-of-core). */
  data_mode: { mode: 'resident' } | { mode: 'out-of-core'; window_rows: number; block_rows: number };
  /** GPU buffers the run allocated (the pool keeps them for reuse, so this is its peak), MiB. */
  gpu_buffers_mib: number;
  nmi_normalisation: string;
  /** What produced the figures: the package version, and the git commit where run from a checkout (else null). */
  version: string;
  commit: string | null;
  /** When the run finished (ISO 8601), where a writer recorded it (the report falls back to the file's time). */
  date?: string;
}

export function writeMetrics(dir: string, m: RunMetrics): string {
  return writeJson(dir, METRICS_FILE, m);
}

/** A run folder's metrics.json; files of earlier versions may lack the later fields. */
export function readMetrics(dir: string): RunMetrics {
  const m = readJson(dir, METRICS_FILE) as Partial<RunMetrics> | null;
  if (!m || typeof m !== 'object' || !m.data || !m.seconds) throw new InputError(`${join(dir, METRICS_FILE)}: no "data" or "seconds"; is this a webgpu-dec metrics file?`);
  return m as RunMetrics;
}
