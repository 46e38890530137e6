// `webgpu-dec report RUN_DIR`: (re)builds RUN_DIR/report.html from what the run recorded; `train`
// writes it the same way when it finishes (src/run/report.ts).
import { existsSync } from 'node:fs';
import { InputError } from '../io/errors.js';
import { reloadRunData, writeRunReport } from '../run/report.js';
import { UsageError } from './args.js';

export const reportUsage = `usage: webgpu-dec report RUN_DIR

Rebuilds RUN_DIR/report.html (one self-contained page: scores, curves, confusion matrix, t-SNE maps,
the most and least confident members of each cluster) from the files webgpu-dec train wrote there.
The montages need the run's data at the path in RUN_DIR/config.json.`;

export async function reportCommand(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('--')) throw new UsageError(`report takes one run folder; got ${args.length ? args.join(' ') : 'none'}; see webgpu-dec report --help`);
  const dir = args[0];
  if (!existsSync(dir)) throw new InputError(`${dir}: no such folder; pass the --out folder of a webgpu-dec train run`);
  const ds = await reloadRunData(dir, (reason) => process.stderr.write(`webgpu-dec: the report has no pictures: the run's data could not be reloaded (${reason})\n`));
  const path = await writeRunReport(dir, ds);
  process.stderr.write(`webgpu-dec: wrote ${path}\n`);
  return 0;
}
