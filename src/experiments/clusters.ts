// The paper's number-of-clusters experiment (§5): a seeded, stratified validation split held out;
// one pretraining on the training part, reused for every k; for each k, k-means initialisation and
// DEC on the training part, then
//   L_train, L_val: the DEC loss KL(P‖Q) per point of each set, P from the set's own Q (and own f_j),
//                   Q from the trained encoder and centres (the assignment pass);
//   G = L_train / L_val, the paper's generalizability, and, with labels, NMI (and ACC) on all points.
// The suggested k is the one after which G drops most sharply (the paper: 9 on MNIST).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from '../gpu/runtime.js';
import type { Dataset } from '../data/dataset.js';
import type { Preprocess } from '../data/preprocess.js';
import { assign, type AssignModel } from '../dec/assign.js';
import { upload } from '../data/upload.js';
import { resolveConfig, type DataSource, type Overrides } from '../run/config.js';
import { autoencoderTensors, loadAutoencoder } from '../nn/state.js';
import { decPhase, kmeansPhase, newAutoencoder, pretrainPhase } from '../run/phases.js';
import type { ProgressSink } from '../nn/loop.js';
import { writeAtomic } from '../io/atomic.js';
import { writeClusters, type ClustersRun } from '../records/experiments.js';
import { encodeSafetensors, readSafetensors } from '../io/safetensors.js';
import { accuracy, nmi } from '../metrics/clustering.js';
import { fromArray, type RowSource } from '../tensor/index.js';
import { ExperimentRuns } from './runs.js';
import { trainValidationSplit } from './sampling.js';

export interface ClustersSettings {
  ks: number[];
  valFraction: number;
  seed: number;
  overrides: Overrides;
}

export const PRETRAINED_FILE = 'pretrained.safetensors';

/** G = L_train / L_val: near 1 while the clusters found on the training part hold for unseen points. */
export const generalizability = (lTrain: number, lVal: number) => lTrain / lVal;

/** The mean DEC loss per point of the rows x under the model, P from their own Q. */
export async function datasetLoss(rt: Runtime, model: AssignModel, x: RowSource): Promise<{ loss: number; hard: Uint32Array }> {
  const a = await assign(rt, model, x, { kl: 'own' });
  return { loss: a.kl!, hard: a.hard };
}

/**
 * The k after which G drops most sharply: the largest G_k − G_next over neighbouring ks (ascending);
 * with the reason, in words.
 */
export function suggestK(runs: Pick<ClustersRun, 'k' | 'g'>[]): { k: number; reason: string } | null {
  const sorted = [...runs].sort((a, b) => a.k - b.k);
  let best: { k: number; drop: number; next: number } | null = null;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const drop = sorted[i].g - sorted[i + 1].g;
    if (!best || drop > best.drop) best = { k: sorted[i].k, drop, next: sorted[i + 1].k };
  }
  if (!best) return null;
  const g = (k: number) => sorted.find((r) => r.k === k)!.g.toFixed(3);
  return { k: best.k, reason: `G drops most sharply from k = ${best.k} to k = ${best.next} (${g(best.k)} → ${g(best.next)}, by ${best.drop.toFixed(3)})` };
}

/** One pretraining (saved in DIR, reused by a rerun), then every k, each written as it finishes. */
export async function clustersExperiment(
  rt: Runtime,
  base: Dataset,
  source: DataSource,
  preprocess: Preprocess,
  s: ClustersSettings,
  dir: string,
  progress: ProgressSink,
  log: (line: string) => void,
): Promise<ClustersRun[]> {
  const { train, validation } = trainValidationSplit(base, s.valFraction, s.seed);
  const runs = new ExperimentRuns<ClustersRun>(dir, s.ks.length, { experiment: 'clusters', source: { ...source }, ...s }, log);
  const cfgFor = (k: number) => resolveConfig({ ...s.overrides, seed: s.seed, k, tsnePoints: 0 }, source, train.n, preprocess);
  const cfg0 = cfgFor(s.ks[0]);
  const dz = cfg0.dims[cfg0.dims.length - 1];
  const widest = Math.max(dz, ...s.ks);
  const xTrain = await upload(rt, train, widest);
  const xVal = await upload(rt, validation, widest).catch((e) => {
    xTrain.dispose();
    throw e;
  });
  const ae = newAutoencoder(rt, cfg0);
  try {
    const file = join(dir, PRETRAINED_FILE);
    let pretrained;
    if (existsSync(file)) {
      log(`pretraining: done before, read from ${file}`);
      pretrained = readSafetensors(file).tensors;
    } else {
      log(`pretraining on the training part (${train.n} points; ${validation.n} held out)`);
      const t0 = performance.now();
      await pretrainPhase(rt, ae, xTrain, cfg0, { progress });
      pretrained = await autoencoderTensors(ae);
      writeAtomic(dir, PRETRAINED_FILE, encodeSafetensors(pretrained, { seconds: String(((performance.now() - t0) / 1000).toFixed(1)) }));
    }
    const out: ClustersRun[] = [];
    for (const k of s.ks) {
      out.push(
        await runs.run(`k-${k}`, `k = ${k}`, async () => {
          const cfg = cfgFor(k);
          const t0 = performance.now();
          rt.flush();
          loadAutoencoder(ae, pretrained, file);
          const init = await kmeansPhase(rt, ae, xTrain, cfg, { progress });
          const dec = await decPhase(rt, ae, xTrain, init.centers, cfg, { progress });
          const mu = fromArray(rt, dec.centers, k, dz);
          const model = { ae, mu: mu.buffer, k, alpha: cfg.dec.alpha };
          const tr = await datasetLoss(rt, model, xTrain);
          const va = await datasetLoss(rt, model, xVal);
          mu.dispose();
          const labels = train.labels && validation.labels ? Int32Array.from([...train.labels, ...validation.labels]) : null;
          const hard = Uint32Array.from([...tr.hard, ...va.hard]);
          return {
            k,
            l_train: tr.loss,
            l_val: va.loss,
            g: generalizability(tr.loss, va.loss),
            nmi: labels ? +nmi(labels, hard).toFixed(4) : null,
            acc: labels ? +accuracy(labels, hard).toFixed(4) : null,
            dec_iterations: dec.iterations,
            seconds: +((performance.now() - t0) / 1000).toFixed(1),
          };
        }),
      );
    }
    return out;
  } finally {
    ae.dispose();
    xTrain.dispose();
    xVal.dispose();
  }
}

/** clusters.md: L_train, L_val, G, NMI, ACC per k, and the suggested k with its reason. */
export function clustersMarkdown(runs: ClustersRun[], s: ClustersSettings): string {
  const lines = [
    `# Number of clusters (validation fraction ${s.valFraction}, seed ${s.seed})`,
    '',
    '| k | L_train | L_val | G = L_train / L_val | NMI (all points) | ACC (all points) | DEC iterations | seconds |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const f = (v: number | null, p = 3) => (v === null ? '–' : v.toFixed(p));
  for (const r of [...runs].sort((a, b) => a.k - b.k)) {
    lines.push(`| ${r.k} | ${r.l_train.toPrecision(4)} | ${r.l_val.toPrecision(4)} | ${f(r.g)} | ${f(r.nmi)} | ${f(r.acc)} | ${r.dec_iterations} | ${r.seconds} |`);
  }
  const pick = suggestK(runs);
  lines.push('', pick ? `Suggested k = ${pick.k}: ${pick.reason}.` : 'One k only: no suggestion.', '');
  return lines.join('\n');
}

export function writeClustersTables(dir: string, runs: ClustersRun[], s: ClustersSettings): void {
  writeClusters(dir, { settings: s, runs, suggested: suggestK(runs) });
  writeAtomic(dir, 'clusters.md', clustersMarkdown(runs, s));
}
