// Progress of a long phase: what the trainers report, and its plain one-line form for the CLI.

/** Progress of a long phase, as the trainers report it. */
export interface ProgressEvent {
  phase: string; // 'pretrain', 'pretrain layer 2/4', 'finetune', 'kmeans', 'dec', …
  step: number; // iterations done in this phase
  total: number; // iterations planned in this phase (an upper bound for DEC)
  epoch?: number;
  loss?: number;
  changed?: number; // fraction of points that changed cluster at the last target update
  elapsedS: number;
}

/** Receives progress events (the CLI prints them; a library caller may log or ignore them). */
export type ProgressSink = (e: ProgressEvent) => void;

/** 42.0s below 90 s, 1m30s from there. */
export const fmtTime = (s: number) => (s >= 90 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(1)}s`);

/** One event as a line: phase, epoch/iteration, loss, changed fraction, elapsed, remaining. */
export function progressLine(e: ProgressEvent): string {
  const parts = [`[${e.phase}]`];
  if (e.epoch !== undefined) parts.push(`epoch ${e.epoch}`);
  parts.push(`iter ${e.step}/${e.total}`);
  if (e.loss !== undefined) parts.push(`loss ${e.loss.toPrecision(5)}`);
  if (e.changed !== undefined) parts.push(`changed ${(100 * e.changed).toFixed(2)}%`);
  parts.push(`elapsed ${fmtTime(e.elapsedS)}`);
  if (e.step > 0 && e.step < e.total) parts.push(`remaining ≤ ${fmtTime((e.elapsedS / e.step) * (e.total - e.step))}`);
  return parts.join('  ');
}

/** One line per event on stderr (the CLI's output when stderr is not a terminal: src/cli/reporter.ts). */
export function stderrProgress(e: ProgressEvent): void {
  process.stderr.write(progressLine(e) + '\n');
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

/**
 * Reads a training loss back every few steps without stalling the GPU: the read started at one log
 * point is awaited at the next, which also bounds how far the CPU records ahead of the GPU.
 */
export class LossLog {
  private pending: { step: number; value: Promise<Float32Array> } | null = null;
  private readonly t0 = performance.now();
  last = NaN;

  constructor(
    private phase: string,
    private total: number,
    private progress: ProgressSink,
    private extra: (step: number) => Partial<ProgressEvent> = () => ({}),
  ) {}

  get elapsedS(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** Starts reading `loss` (a [1, 1] tensor, recorded at `step`); reports the previous read first. */
  async start(step: number, loss: { toArray(): Promise<Float32Array> }): Promise<void> {
    await this.report();
    this.pending = { step, value: loss.toArray() };
  }

  /** Awaits the pending read, checks it is finite and reports it. */
  async report(): Promise<void> {
    if (!this.pending) return;
    const { step, value } = this.pending;
    this.pending = null;
    const [loss] = await value;
    checkFinite(this.phase, step, loss);
    this.last = loss;
    this.progress({ phase: this.phase, step, total: this.total, loss, elapsedS: this.elapsedS, ...this.extra(step) });
  }
}
