// history.json: a run's curves (the reconstruction loss per logged pretraining epoch; KL, changed
// share and, with labels, ACC and NMI at each DEC target update) and its augmentation. Recorded by
// src/run/history.ts, carried in checkpoints, plotted by the report.
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { readJson, writeJson } from './json.js';

export const HISTORY_FILE = 'history.json';
export const HISTORY_FORMAT = 'webgpu-dec-history/1';

/** One logged point of the reconstruction loss. */
export interface PretrainEntry {
  /** 'pretrain', 'pretrain layer 2/4', 'finetune'. */
  stage: string;
  step: number;
  /** The epoch it closes; absent where the loop does not count epochs (the layer-wise stages). */
  epoch?: number;
  loss: number;
}

/** One DEC target update. */
export interface DecEntry {
  iteration: number;
  /** Mean KL(P‖Q) per point, P from this update's Q; null at iteration 0 (no target yet). */
  loss: number | null;
  /** Share of points whose cluster changed since the last update; null at the first. */
  changed: number | null;
  /** Only where the data has labels. */
  acc?: number;
  nmi?: number;
}

/** A run's augmentation: its settings, and a few images of the data with warps as the run draws them. */
export interface AugmentRecord {
  /** Degrees. */
  rotate: number;
  /** Share of the side. */
  shift: number;
  /** Row of the input file, and the angle (radians) and shift (pixels) drawn for it. */
  examples: { index: number; theta: number; tx: number; ty: number }[];
}

/** The curves of a run (history.json). */
export interface RunHistory {
  format: typeof HISTORY_FORMAT;
  pretrain: PretrainEntry[];
  dec: DecEntry[];
  /** Where the run augments its batches (DEC-DA). */
  augment?: AugmentRecord;
}

export const emptyHistory = (): RunHistory => ({ format: HISTORY_FORMAT, pretrain: [], dec: [] });

/** Writes DIR/history.json, on one line. */
export function writeHistory(dir: string, h: RunHistory): string {
  return writeJson(dir, HISTORY_FILE, h, 0);
}

/** DIR/history.json, or null where the run wrote none. */
export function readHistory(dir: string): RunHistory | null {
  const h = readJson(dir, HISTORY_FILE) as Partial<RunHistory> | null;
  const family = HISTORY_FORMAT.replace(/\d+$/, '');
  if (!h || typeof h.format !== 'string' || !h.format.startsWith(family) || !Array.isArray(h.pretrain) || !Array.isArray(h.dec)) {
    throw new InputError(`${join(dir, HISTORY_FILE)}: not a ${family}N file (format "${h?.format}")`);
  }
  return h as RunHistory;
}
