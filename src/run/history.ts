// The run's history, for the report's curves: the reconstruction loss per pretraining epoch and, at
// each DEC target update, the KL loss, the share of points that changed cluster and (with labels)
// ACC and NMI. It travels in every checkpoint, so a resumed run's history is the uninterrupted one,
// and is written as history.json next to the other outputs.
import { writeAtomic } from '../io/atomic.js';
import { accuracy, nmi } from '../metrics/clustering.js';
import type { ProgressEvent } from '../nn/loop.js';
import { isPretrainLabel } from '../dec/pretrain.js';

export const HISTORY_FILE = 'history.json';

/** One logged point of the reconstruction loss. */
export interface PretrainEntry {
  stage: string; // 'pretrain', 'pretrain layer 2/4', 'finetune'
  step: number;
  epoch?: number;
  loss: number;
}

/** One DEC target update. */
export interface DecEntry {
  iteration: number;
  loss: number | null; // mean KL(P‖Q) per point, P from this update's Q
  changed: number | null; // share of points whose cluster changed since the last update
  acc?: number;
  nmi?: number;
}

/** A run's augmentation: its settings, and a few images of the data with warps as the run draws them. */
export interface AugmentRecord {
  rotate: number; // degrees
  shift: number; // share of the side
  /** Row of the input file, and the angle (radians) and shift (pixels) drawn for it. */
  examples: { index: number; theta: number; tx: number; ty: number }[];
}

/** The curves of a run (history.json). */
export interface RunHistory {
  format: 'webgpu-dec-history/1';
  pretrain: PretrainEntry[];
  dec: DecEntry[];
  /** Where the run augments its batches (DEC-DA). */
  augment?: AugmentRecord;
}

export const emptyHistory = (): RunHistory => ({ format: 'webgpu-dec-history/1', pretrain: [], dec: [] });

/** Records what the report plots. */
export class HistoryRecorder {
  constructor(
    public history: RunHistory,
    private labels: ArrayLike<number> | null,
  ) {}

  /** A progress event: a pretraining loss is kept as its epoch's (the last logged in each epoch). */
  observe(e: ProgressEvent): void {
    if (!isPretrainLabel(e.phase) || e.loss === undefined) return;
    const entry: PretrainEntry = { stage: e.phase, step: e.step, loss: e.loss };
    if (e.epoch !== undefined) entry.epoch = e.epoch;
    const all = this.history.pretrain;
    const last = all[all.length - 1];
    const sameEpoch = last && last.stage === entry.stage && last.epoch !== undefined && last.epoch === entry.epoch;
    if (sameEpoch) all[all.length - 1] = entry;
    else all.push(entry);
  }

  /** A DEC target update at `iteration` with the new hard assignments. */
  targetUpdate(iteration: number, hard: Uint32Array, kl: number, changed: number | null): void {
    const entry: DecEntry = { iteration, loss: kl, changed };
    if (this.labels) {
      entry.acc = accuracy(this.labels, hard);
      entry.nmi = nmi(this.labels, hard);
    }
    // A resumed run repeats no update: drop any entry at or past this iteration first.
    this.history.dec = this.history.dec.filter((d) => d.iteration < iteration);
    this.history.dec.push(entry);
  }

  /** Writes DIR/history.json. */
  write(dir: string): void {
    writeAtomic(dir, HISTORY_FILE, JSON.stringify(this.history) + '\n');
  }
}
