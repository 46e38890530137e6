// How a command says what it is doing, by the conventions of the command line:
//   stderr: progress, as one cli-progress bar per phase on a terminal (progress-bar.ts) or as plain
//           lines otherwise (the lines tests and logs rely on), and messages, "webgpu-dec: ...";
//   stdout: the command's result for people, or with --json only JSON-lines events (events.ts).
import type { ProgressEvent } from '../nn/loop.js';
import { fmtTime, progressLine } from '../run/progress.js';
import type { TsneProgress } from '../tsne/tsne.js';
import { jsonLine, startEvent, type CliEvent } from './events.js';
import { stderrFlushed } from './flush.js';
import { stderrIsTerminal, TerminalBars, type BarState } from './progress-bar.js';

/** The plain line of a t-SNE progress report. */
export function tsneLine(label: string, e: TsneProgress): string {
  const left = e.iteration < e.total ? `  remaining ≤ ${fmtTime((e.elapsedS / e.iteration) * (e.total - e.iteration))}` : '';
  return `[${label}] iter ${e.iteration}/${e.total}  KL ${e.kl.toFixed(4)}  elapsed ${fmtTime(e.elapsedS)}${left}`;
}

/** '<phase> r/R': restart r of R of the phase whose bar is up (k-means). */
const restartOf = /^(.*) (\d+)\/(\d+)$/;
/** A line for people on stderr, as every command writes them. */
export function say(message: string): void {
  process.stderr.write(`webgpu-dec: ${message}\n`);
}

/** A k-means phase opens with one event that counts restarts (kmeansWithProgress, src/run/phases.ts). */
const opensRestarts = /k-means$/;

export class Reporter {
  /** Made at the first progress on a terminal (stderr goes through it from then until close). */
  private bars: TerminalBars | null = null;
  private readonly t0 = performance.now();
  private label = ''; // the phase of the bar that is up

  constructor(
    readonly command: string,
    readonly json = false,
    private terminal = stderrIsTerminal(),
  ) {}

  /** The trainers' progress sink. */
  readonly progress = (e: ProgressEvent): void => {
    this.event({
      event: 'progress',
      phase: e.phase,
      step: e.step,
      total: e.total,
      epoch: e.epoch ?? null,
      loss: e.loss ?? null,
      changed: e.changed ?? null,
      elapsed_s: round(e.elapsedS),
    });
    if (!this.terminal) {
      process.stderr.write(progressLine(e) + '\n');
      return;
    }
    const changed = e.changed !== undefined ? `changed ${(100 * e.changed).toFixed(2)}%` : '';
    const r = restartOf.exec(e.phase);
    if (r && r[1] === this.label) {
      // A restart's Lloyd iterations move the bar of its phase, which counts restarts.
      const stats = [`restart ${r[2]}/${r[3]}: iter ${e.step}`, changed].filter(Boolean).join('  ');
      this.show({ label: r[1], value: Number(r[2]) - 1, total: Number(r[3]), unit: 'restarts', stats, result: '', elapsedS: e.elapsedS });
      return;
    }
    const stats = [e.epoch !== undefined ? `epoch ${e.epoch}` : '', e.loss !== undefined ? `loss ${e.loss.toPrecision(5)}` : '', changed].filter(Boolean).join('  ');
    this.show({ label: e.phase, value: e.step, total: e.total, unit: opensRestarts.test(e.phase) ? 'restarts' : 'iter', stats, result: stats, elapsedS: e.elapsedS });
  };

  /** A t-SNE run's progress, under `label`. */
  tsneProgress(label: string, e: TsneProgress): void {
    this.event({ event: 'progress', phase: label, step: e.iteration, total: e.total, epoch: null, loss: e.kl, changed: null, elapsed_s: round(e.elapsedS) });
    if (!this.terminal) {
      process.stderr.write(tsneLine(label, e) + '\n');
      return;
    }
    const stats = `KL ${e.kl.toFixed(4)}`;
    this.show({ label, value: e.iteration, total: e.total, unit: 'iter', stats, result: stats, elapsedS: e.elapsedS });
  }

  /** A message on stderr ("webgpu-dec: " is added), above the bar if one is up. */
  say(message: string): void {
    say(message);
  }

  /** The result for people: stdout, or stderr when stdout carries the JSON events. */
  output(line: string): void {
    (this.json ? process.stderr : process.stdout).write(line + '\n');
  }

  /** An event on stdout, with --json. */
  event(e: CliEvent): void {
    if (this.json) process.stdout.write(jsonLine(e));
  }

  start(what: Record<string, unknown>): void {
    this.event(startEvent(this.command, what));
  }

  /** The last event (after end(), or the bar is finished where it stands). */
  done(metrics: object, files: string[]): void {
    this.close();
    this.event({ event: 'done', command: this.command, metrics, files, seconds: round((performance.now() - this.t0) / 1000) });
  }

  /** The phase whose bar is up has ended: its summary line replaces the bar now. */
  endPhase(): void {
    this.bars?.finish(true);
    this.label = '';
  }

  /** The end of the progress: close(), then wait until stderr is out, so stdout comes after it. */
  async end(): Promise<void> {
    this.endPhase();
    this.close();
    await stderrFlushed();
  }

  /** Finishes the bar where it stands; stderr is plain again, and so is any later progress. */
  close(): void {
    this.bars?.close();
    this.bars = null;
    this.terminal = false;
    this.label = '';
  }

  private show(s: BarState): void {
    this.label = s.label;
    (this.bars ??= new TerminalBars()).show(s);
  }
}

const round = (s: number) => Math.round(s * 1000) / 1000;
