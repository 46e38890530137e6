// The experiments' records: imbalance.json and clusters.json (settings and one entry per run),
// written by src/experiments, read back by their pages (src/report/experiments.ts) and the docs.
import { readJson, writeJson } from './json.js';

export const IMBALANCE_FILE = 'imbalance.json';
export const CLUSTERS_FILE = 'clusters.json';

/** ACC and NMI, 4 decimals; null for a method that did not run. */
export type AccNmi = { acc: number; nmi: number } | null;

/** One (r_min, seed) run of the imbalance experiment. */
export interface ImbalanceRun {
  rmin: number;
  seed: number;
  /** Points in the imbalanced subsample. */
  n: number;
  /** Points of each class kept. */
  class_sizes: Record<string, number>;
  raw_kmeans: AccNmi;
  ae_kmeans: AccNmi;
  dec: AccNmi;
  dec_iterations: number;
  seconds: number;
}

/** The imbalance experiment's settings, as recorded (the runs' training options with them). */
export interface ImbalanceSettingsRecord {
  rmins: number[];
  /** 'paper' or 'class0' (src/experiments/sampling.ts). */
  mode: string;
  seeds: number[];
  overrides?: object;
}

/** imbalance.json. */
export interface ImbalanceRecord<S extends ImbalanceSettingsRecord = ImbalanceSettingsRecord> {
  settings: S;
  runs: ImbalanceRun[];
}

/** One k of the number-of-clusters experiment. */
export interface ClustersRun {
  k: number;
  l_train: number;
  l_val: number;
  /** G = L_train / L_val. */
  g: number;
  nmi: number | null;
  acc: number | null;
  dec_iterations: number;
  seconds: number;
}

/** The number-of-clusters experiment's settings, as recorded. */
export interface ClustersSettingsRecord {
  ks: number[];
  valFraction: number;
  seed: number;
  overrides?: object;
}

/** clusters.json: with the suggested k (null with one k). */
export interface ClustersRecord<S extends ClustersSettingsRecord = ClustersSettingsRecord> {
  settings: S;
  runs: ClustersRun[];
  suggested: { k: number; reason: string } | null;
}

export const writeImbalance = (dir: string, r: ImbalanceRecord) => writeJson(dir, IMBALANCE_FILE, r);
export const readImbalance = (dir: string) => readJson(dir, IMBALANCE_FILE, 'webgpu-dec experiment imbalance') as ImbalanceRecord;
export const writeClusters = (dir: string, r: ClustersRecord) => writeJson(dir, CLUSTERS_FILE, r);
export const readClusters = (dir: string) => readJson(dir, CLUSTERS_FILE, 'webgpu-dec experiment clusters') as ClustersRecord;
