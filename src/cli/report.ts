// `webgpu-dec report RUN_DIR`: (re)builds RUN_DIR/report.html from what the run recorded; `train`
// writes it the same way when it finishes. The pictures of the montages come from the run's data
// (reloaded through config.json's source here), since the run directory keeps none.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rowValues, type Dataset } from '../data/dataset.js';
import { prepareData } from '../data/prepare.js';
import { CONFIG_FILE, type RunConfig } from '../run/config.js';
import { InputError } from '../io/errors.js';
import { montageRows, readRunDir, writeReport, type ReportImages } from '../report/index.js';
import { UsageError } from './args.js';

export const reportUsage = `usage: webgpu-dec report RUN_DIR

Rebuilds RUN_DIR/report.html (one self-contained page: scores, curves, confusion matrix, t-SNE maps,
the most and least confident members of each cluster) from the files webgpu-dec train wrote there.
The montages need the run's data at the path in RUN_DIR/config.json.`;

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

export async function reportCommand(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('--')) throw new UsageError(`report takes one run folder; got ${args.length ? args.join(' ') : 'none'}; see webgpu-dec report --help`);
  const dir = args[0];
  if (!existsSync(dir)) throw new InputError(`${dir}: no such folder; pass the --out folder of a webgpu-dec train run`);
  let ds: Dataset | null = null;
  const cfgFile = join(dir, CONFIG_FILE);
  if (existsSync(cfgFile)) {
    try {
      const cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as RunConfig;
      const data = await prepareData(cfg.source, cfg.seed, cfg.preprocess);
      if (data.sha256 !== cfg.source.sha256) throw new Error(`${cfg.source.data} has changed since the run`);
      ds = data.ds;
    } catch (e) {
      process.stderr.write(`webgpu-dec: the report has no pictures: the run's data could not be reloaded (${(e as Error).message})\n`);
    }
  }
  const path = await writeRunReport(dir, ds);
  process.stderr.write(`webgpu-dec: wrote ${path}\n`);
  return 0;
}
