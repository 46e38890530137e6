// The last step of a run: report.html from what the run folder records, with the pictures of the
// montages taken from the run's data (the folder keeps none). `webgpu-dec report` rebuilds it the
// same way, reloading the data through config.json.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rowValues, type Dataset } from '../data/dataset.js';
import { prepareData } from '../data/prepare.js';
import { montageRows, readRunDir, writeReport, type ReportImages } from '../report/index.js';
import { CONFIG_FILE, readConfig } from '../records/config.js';
import type { RunConfig } from './config.js';

/**
 * The pictures of input-file rows `wanted`, where the data are images (H × W known): read from
 * the data once, up front (a file's rows are not in memory).
 */
export async function imagesOf(ds: Dataset, wanted: number[]): Promise<ReportImages | null> {
  if (!ds.image) return null;
  const [height, width] = ds.image;
  const rowOf = new Map<number, number>();
  for (let i = 0; i < ds.n; i++) rowOf.set(ds.index ? ds.index[i] : i, i);
  const rows = [...new Set(wanted)].filter((index) => rowOf.has(index));
  const values = await rowValues(ds, rows.map((index) => rowOf.get(index)!));
  const at = new Map(rows.map((index, i) => [index, i]));
  return {
    height,
    width,
    pixels: (index: number) => {
      const r = at.get(index);
      if (r === undefined) throw new Error(`no row ${index} in the run's data`);
      return values.subarray(r * ds.d, (r + 1) * ds.d);
    },
  };
}

/** Reads the run directory, adds the pictures (when given), writes report.html; returns its path. */
export async function writeRunReport(dir: string, ds: Dataset | null): Promise<string> {
  const input = readRunDir(dir);
  const wanted = [...montageRows(input.assignments, input.metrics.data.k), ...(input.history?.augment?.examples ?? []).map((e) => e.index)];
  input.images = ds ? await imagesOf(ds, wanted) : null;
  input.date = new Date().toISOString();
  return writeReport(dir, input);
}

/**
 * The data of the run in `dir`, reloaded through its config.json for the report's pictures: null
 * (with `why` told the reason) where the folder has no config or the data cannot be read as it was.
 */
export async function reloadRunData(dir: string, why: (reason: string) => void): Promise<Dataset | null> {
  if (!existsSync(join(dir, CONFIG_FILE))) return null;
  try {
    const cfg = readConfig<RunConfig>(dir);
    const data = await prepareData(cfg.source, cfg.seed, cfg.preprocess);
    if (data.sha256 !== cfg.source.sha256) throw new Error(`${cfg.source.data} has changed since the run`);
    return data.ds;
  } catch (e) {
    why((e as Error).message);
    return null;
  }
}
