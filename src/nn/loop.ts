// The one training loop of every phase that learns by minibatch steps (each pretraining stage, DEC).
// A step is one recorded forward + backward + update and one submit; the loss is read back every
// `logEvery` steps without stalling (the read started at one log point is awaited at the next, which
// also bounds how far the CPU records ahead of the GPU). After each step the caller's hook may take
// the state (a checkpoint) or stop the run: when that is due and where it goes is the job's business.
import type { Tensor } from '../tensor/index.js';
import { tidy } from '../tensor/index.js';
import type { Runtime } from '../gpu/runtime.js';
import type { Adam, Sgd } from './optim.js';
import type { TrainState } from './state.js';

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

/** A NaN or Inf in the state: the run stops (exit 1) and the last good checkpoint is kept. */
export class NonFiniteError extends Error {
  constructor(where: string, what: string) {
    super(`${where}: ${what} became NaN or Inf; the last good checkpoint is kept. Lower the learning rate or check the input data`);
    this.name = 'NonFiniteError';
  }
}

/** Reads a training loss back every few steps without stalling the GPU (see the file comment). */
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

/** What the job asks of a training loop: where progress goes, and what to do after each step. */
export interface LoopHooks {
  progress: ProgressSink;
  /** Steps between loss reads (default 20). */
  logEvery?: number;
  /**
   * After every step, given a way to take the state after it: saves it when due, or throws to stop
   * the run (Ctrl-C). The loss read pending by then is reported first, so a diverged loss stops the
   * run before its state is saved.
   */
  afterStep?: (state: () => Promise<TrainState>) => Promise<void>;
  /** A state to continue from (the loops take the parts that are theirs). */
  resume?: TrainState;
}

/** One phase's steps: what a step computes and what its state is. */
export interface Steps {
  phase: string;
  /** Steps `from` … `total` − 1 are run. */
  from: number;
  total: number;
  opt: Sgd | Adam;
  /** The minibatch loss of step s, recorded (the loop adds backward and the update). */
  loss: (step: number) => Tensor;
  /** The state after `done` steps. */
  state: (done: number) => Promise<TrainState>;
  /**
   * Before step s: schedules, target updates. `settle` reports the pending loss read first (for
   * work that reads back anyway). Returns true to stop before the step.
   */
  before?: (step: number, settle: () => Promise<void>) => boolean | Promise<boolean>;
  /** What each progress event carries besides the loss (an epoch, a changed share). */
  extra?: (step: number) => Partial<ProgressEvent>;
  /** Read the last step's loss too (default true; DEC reports its own end). */
  logLast?: boolean;
}

/** How a loop ended: the steps done, whether `before` stopped it, the last loss read, its time. */
export interface LoopEnd {
  step: number;
  stopped: boolean;
  loss: number;
  elapsedS: number;
}

/** Runs the steps (see the file comment). */
export async function trainLoop(rt: Runtime, s: Steps, hooks: LoopHooks): Promise<LoopEnd> {
  const logEvery = hooks.logEvery ?? 20;
  const log = new LossLog(s.phase, s.total, hooks.progress, s.extra);
  const settle = () => log.report();
  const last = s.logLast === false ? -1 : s.total - 1;
  let step = s.from;
  let stopped = false;
  for (; step < s.total; step++) {
    if (s.before && (await s.before(step, settle))) {
      stopped = true;
      break;
    }
    const loss = tidy(() => {
      const l = s.loss(step);
      l.backward();
      s.opt.step();
      return l;
    });
    if ((step + 1) % logEvery === 0 || step === last) await log.start(step + 1, loss); // flushes
    else rt.flush();
    loss.dispose();
    const done = step + 1;
    if (hooks.afterStep) await hooks.afterStep(async () => (await settle(), s.state(done)));
  }
  await settle();
  return { step, stopped, loss: log.last, elapsedS: log.elapsedS };
}
