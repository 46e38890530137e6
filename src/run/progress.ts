// Progress of a long phase in its plain one-line form (the events themselves: src/nn/loop.ts).
import type { ProgressEvent } from '../nn/loop.js';

/** 42.0s below 90 s, 1m30s from there. */
export function fmtTime(s: number): string {
  if (s < 90) return `${s.toFixed(1)}s`;
  const whole = Math.round(s); // round once, so 479.6 s reads 8m00s, not 7m60s
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

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
