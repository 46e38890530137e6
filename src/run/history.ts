// The run's history, for the report's curves: the reconstruction loss per pretraining epoch and, at
// each DEC target update, the KL loss, the share of points that changed cluster and (with labels)
// ACC and NMI. It travels in every checkpoint, so a resumed run's history is the uninterrupted one,
// and is written as history.json next to the other outputs.
import { writeHistory, type DecEntry, type PretrainEntry, type RunHistory } from '../records/history.js';
import { accuracy, nmi } from '../metrics/clustering.js';
import type { ProgressEvent } from '../nn/loop.js';
import { isPretrainLabel } from '../dec/pretrain.js';


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
    writeHistory(dir, this.history);
  }
}
