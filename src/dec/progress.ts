// Progress of a long phase: what the trainers report and a stderr printer for the CLI.

export interface ProgressEvent {
  phase: string; // 'pretrain', 'pretrain layer 2/4', 'finetune', 'kmeans', 'dec', …
  step: number; // iterations done in this phase
  total: number; // iterations planned in this phase (an upper bound for DEC)
  epoch?: number;
  loss?: number;
  changed?: number; // fraction of points that changed cluster at the last target update
  elapsedS: number;
}

export type ProgressSink = (e: ProgressEvent) => void;

const fmtTime = (s: number) => (s >= 90 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(1)}s`);

/** One line per event on stderr: phase, epoch/iteration, loss, changed fraction, elapsed, remaining. */
export function stderrProgress(e: ProgressEvent): void {
  const parts = [`[${e.phase}]`];
  if (e.epoch !== undefined) parts.push(`epoch ${e.epoch}`);
  parts.push(`iter ${e.step}/${e.total}`);
  if (e.loss !== undefined) parts.push(`loss ${e.loss.toPrecision(5)}`);
  if (e.changed !== undefined) parts.push(`changed ${(100 * e.changed).toFixed(2)}%`);
  parts.push(`elapsed ${fmtTime(e.elapsedS)}`);
  if (e.step > 0 && e.step < e.total) parts.push(`remaining ≤ ${fmtTime((e.elapsedS / e.step) * (e.total - e.step))}`);
  process.stderr.write(parts.join('  ') + '\n');
}

/** A NaN or Inf loss stops the run with the phase and iteration named. */
export class DivergedError extends Error {
  constructor(phase: string, step: number, loss: number) {
    super(`${phase}: loss became ${loss} at iteration ${step}; lower the learning rate or check the input data for NaN/Inf`);
    this.name = 'DivergedError';
  }
}

export function checkFinite(phase: string, step: number, loss: number): void {
  if (!Number.isFinite(loss)) throw new DivergedError(phase, step, loss);
}
