// On a terminal: one cli-progress bar for the phase running now, below the lines already printed.
// A phase that ends leaves one summary line in place of its bar; anything else written to stderr
// while a bar is up (checkpoint messages, warnings, console.error from any layer) goes above the bar
// instead of through it.
//
// The command runs in a child process whose stderr is a pipe that bin/webgpu-dec.js reads (it drops
// Dawn's start-up warnings), so "a terminal" means the launcher's stderr: the launcher says so in
// WEBGPU_DEC_STDERR_TTY=1 and passes the width in WEBGPU_DEC_STDERR_COLUMNS. cli-progress draws
// nothing on a pipe, so it writes through a stand-in stream that says it is a terminal.
import cliProgress from 'cli-progress';
import { fmtTime } from '../run/progress.js';

/** Whether to draw bars: the launcher's word (WEBGPU_DEC_STDERR_TTY, 1 or 0), else our own stderr. */
export function stderrIsTerminal(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.WEBGPU_DEC_STDERR_TTY !== undefined) return env.WEBGPU_DEC_STDERR_TTY === '1';
  return process.stderr.isTTY === true;
}

function terminalColumns(env: NodeJS.ProcessEnv = process.env): number {
  if (process.stderr.isTTY && process.stderr.columns) return process.stderr.columns;
  return Number(env.WEBGPU_DEC_STDERR_COLUMNS) || 80;
}

/** What one bar shows. */
export interface BarState {
  /** The phase; a new label finishes the bar up now and starts another. */
  label: string;
  value: number;
  total: number;
  /** What value counts: 'iter', 'restarts'. */
  unit: string;
  /** After the counts while the bar runs, e.g. "epoch 3  loss 0.034120". */
  stats: string;
  /** After the counts on the summary line the bar leaves. */
  result: string;
  /** Seconds since the phase began (its first report may come late: every 20 steps). */
  elapsedS: number;
}

type Write = (text: string) => boolean;

export class TerminalBars {
  private multi: cliProgress.MultiBar | null = null;
  private bar: cliProgress.SingleBar | null = null;
  private state: BarState | null = null;
  private since = 0; // when the phase began, on performance.now()'s clock
  /** The start of a line some other code is writing to stderr, held until its newline. */
  private partial = '';
  private readonly write: Write;
  private readonly stream: { isTTY: true; columns: number; write: Write };
  private readonly original: typeof process.stderr.write;

  constructor(columns = terminalColumns()) {
    const stderr = process.stderr;
    this.original = stderr.write;
    this.write = (text) => this.original.call(stderr, text);
    // One column short of the width: a line that fills the last column can wrap on some terminals.
    this.stream = { isTTY: true, columns: Math.max(20, columns - 1), write: this.write };
    stderr.write = this.intercept.bind(this) as typeof stderr.write;
  }

  /** Shows `s`: updates the bar of its phase, or finishes the current bar and starts one. */
  show(s: BarState): void {
    if (this.state && this.state.label !== s.label) this.finish(true);
    const payload = { label: s.label, unit: s.unit, stats: s.stats ? `  ${s.stats}` : '' };
    if (!this.multi || !this.bar) {
      this.multi = new cliProgress.MultiBar(
        {
          stream: this.stream as unknown as NodeJS.WritableStream,
          format: '{label} {bar} {value}/{total} {unit}{stats}  ETA {eta_formatted}',
          formatTime: (t: number | string) => (typeof t === 'number' && Number.isFinite(t) ? fmtTime(t) : '…'),
          barsize: 20,
          linewrap: true, // cut at the width, and leave the terminal's own wrapping alone
          clearOnComplete: true,
          forceRedraw: true, // lines written above the bar erase it: every tick draws it again
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.multi.create(s.total, s.value, payload);
      this.since = performance.now() - 1000 * s.elapsedS;
      this.state = s;
      this.multi.update(); // drawn now rather than at the first tick
      return;
    }
    this.bar.setTotal(s.total);
    this.bar.update(s.value, payload);
    this.state = s;
  }

  /** Replaces the bar by its summary line; `complete`: the phase ended, so its count is full. */
  finish(complete: boolean): void {
    if (!this.multi || !this.state) return;
    this.multi.update(); // lines logged since the last tick
    this.multi.stop(); // erases the bar (clearOnComplete)
    const s = this.state;
    // An ended phase did all its steps, though the last report may be from before the end.
    const value = complete ? s.total : s.value;
    const result = s.result && value !== s.value ? `${s.result} (at ${s.value})` : s.result;
    this.write(`[${s.label}] ${value}/${s.total} ${s.unit}${result ? `  ${result}` : ''}  in ${fmtTime((performance.now() - this.since) / 1000)}\n`);
    this.multi = this.bar = this.state = null;
  }

  /** A whole line or lines of text above the bar. */
  log(text: string): void {
    if (!this.multi) {
      this.write(text);
      return;
    }
    this.multi.log(text.endsWith('\n') ? text : text + '\n');
    this.multi.update();
  }

  /** Finishes the bar where it stands and gives stderr back. */
  close(): void {
    this.finish(false);
    if (this.partial) this.write(this.partial);
    this.partial = '';
    process.stderr.write = this.original;
  }

  /** process.stderr.write while bars may be drawn: whole lines go above the bar. */
  private intercept(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
    const done = rest.find((a) => typeof a === 'function') as ((err?: Error | null) => void) | undefined;
    const text = this.partial + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const nl = text.lastIndexOf('\n');
    this.partial = text.slice(nl + 1);
    if (nl >= 0) this.log(text.slice(0, nl + 1));
    if (done) process.nextTick(done);
    return true;
  }
}
