// The paper's imbalance experiment (§5, Table 4): for each minimum retention rate r_min and seed, an
// imbalanced subsample of the labelled data, then the whole pipeline on it (raw k-means, pretraining,
// AE + k-means, DEC): ACC and NMI of each method, with the subsample's class sizes.
import type { Runtime } from '../gpu/runtime.js';
import { shuffle, type Dataset } from '../data/dataset.js';
import { resolveConfig, type DataSource, type Overrides } from '../run/config.js';
import { runDec } from '../run/phases.js';
import type { ProgressSink } from '../nn/loop.js';
import type { Preprocess } from '../data/preprocess.js';
import { writeAtomic } from '../io/atomic.js';
import { writeImbalance, type AccNmi, type ImbalanceRun } from '../records/experiments.js';
import { classSizes, imbalancedSubset, type ImbalanceMode } from './sampling.js';
import { fmtMeanStd, METHODS } from '../metrics/summary.js';
import { ExperimentRuns } from './runs.js';

/** The experiment's settings: what imbalance.json records, with the runs' training options typed. */
export interface ImbalanceSettings {
  rmins: number[];
  mode: ImbalanceMode;
  seeds: number[];
  overrides: Overrides;
}

const pick = (s: { acc: number; nmi: number } | null): AccNmi => s && { acc: +s.acc.toFixed(4), nmi: +s.nmi.toFixed(4) };

/** Every (r_min, seed) run, each written as it finishes; returns them all, in settings order. */
export async function imbalanceExperiment(
  rt: Runtime,
  base: Dataset,
  source: DataSource,
  preprocess: Preprocess,
  s: ImbalanceSettings,
  dir: string,
  progress: ProgressSink,
  log: (line: string) => void,
): Promise<ImbalanceRun[]> {
  const runs = new ExperimentRuns<ImbalanceRun>(dir, s.rmins.length * s.seeds.length, { experiment: 'imbalance', source: { ...source }, ...s }, log);
  const out: ImbalanceRun[] = [];
  for (const rmin of s.rmins) {
    for (const seed of s.seeds) {
      out.push(
        await runs.run(`rmin-${rmin}-seed-${seed}`, `r_min ${rmin}, seed ${seed}`, async () => {
          const ds = shuffle(imbalancedSubset(base, rmin, s.mode, seed), seed);
          const cfg = resolveConfig({ ...s.overrides, seed, tsnePoints: 0 }, source, ds.n, preprocess);
          const t0 = performance.now();
          const r = await runDec(rt, ds, cfg, { progress });
          r.ae.dispose();
          return {
            rmin,
            seed,
            n: ds.n,
            class_sizes: classSizes(ds.labels!),
            raw_kmeans: pick(r.rawKmeans),
            ae_kmeans: pick(r.aeKmeans),
            dec: pick(r.dec),
            dec_iterations: r.decIterations,
            seconds: +((performance.now() - t0) / 1000).toFixed(1),
          };
        }),
      );
    }
  }
  return out;
}

/** imbalance.md: ACC and NMI per method (rows) and r_min (columns), mean ± std over seeds; class sizes. */
export function imbalanceMarkdown(runs: ImbalanceRun[], s: ImbalanceSettings): string {
  const cols = s.rmins;
  const at = (rmin: number) => runs.filter((r) => r.rmin === rmin);
  const lines = [`# Imbalanced clusters (${s.mode === 'paper' ? 'class c kept with r_min + (1 − r_min)·c/(C−1)' : 'class 0 alone kept with r_min'}; seeds ${s.seeds.join(', ')})`, ''];
  for (const metric of ['acc', 'nmi'] as const) {
    lines.push(`| ${metric.toUpperCase()} | ${cols.map((r) => `r_min ${r}`).join(' | ')} |`, `| --- |${cols.map(() => ' ---: |').join('')}`);
    for (const [key, name] of METHODS) {
      const cells = cols.map((rmin) => {
        const v = at(rmin).map((r) => r[key]?.[metric]).filter((x): x is number => x !== undefined);
        return v.length ? fmtMeanStd(v) : '–';
      });
      lines.push(`| ${name} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push('Points per class (first seed):', '', `| class | ${cols.map((r) => `r_min ${r}`).join(' | ')} |`, `| --- |${cols.map(() => ' ---: |').join('')}`);
  const classes = Object.keys(at(cols[0])[0]?.class_sizes ?? {});
  for (const c of classes) lines.push(`| ${c} | ${cols.map((rmin) => at(rmin)[0]?.class_sizes[c] ?? 0).join(' | ')} |`);
  lines.push(`| all | ${cols.map((rmin) => at(rmin)[0]?.n ?? 0).join(' | ')} |`, '');
  const secs = runs.map((r) => r.seconds);
  lines.push(`${runs.length} runs, ${(secs.reduce((a, b) => a + b, 0) / 60).toFixed(1)} min in all (${(secs.reduce((a, b) => a + b, 0) / secs.length / 60).toFixed(1)} min a run).`, '');
  return lines.join('\n');
}

export function writeImbalanceTables(dir: string, runs: ImbalanceRun[], s: ImbalanceSettings): void {
  writeImbalance(dir, { settings: s, runs });
  writeAtomic(dir, 'imbalance.md', imbalanceMarkdown(runs, s));
}
