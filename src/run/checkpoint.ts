// Checkpoints: a run's whole state at a step boundary, written atomically into the run directory
// (checkpoint.safetensors: the tensors, and in the metadata where the run stands), so that a run
// killed at minute 50 of 60 continues from its last checkpoint and ends exactly as an uninterrupted
// run would. What a checkpoint holds: the autoencoder's weights, the optimiser's state, the phase,
// stage and step, the dropout counter, DEC's target P and previous assignments, and the results of
// the phases already finished (raw k-means, the initial centres), with their timings, and the
// run's history (the report's curves) so far.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { checkFiniteTensors, encodeSafetensors, readSafetensors, type StTensor } from '../io/safetensors.js';
import { NonFiniteError } from '../nn/loop.js';
import type { Position, TrainState } from '../nn/state.js';
import { PRETRAIN_PHASE } from '../dec/pretrain.js';
import { emptyHistory, writeHistory, type RunHistory } from '../records/history.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** The state of a run at one position: what a checkpoint file holds. */
export interface Snapshot extends TrainState {
  /** How messages name the moment (default: the position), e.g. "after pretraining". */
  label?: string;
  /** The run it belongs to (a hash of its config.json), set when written. */
  run?: string;
  /** The run's history up to this moment (in a loaded checkpoint). */
  history?: RunHistory;
}

/**
 * A stop asked for (Ctrl-C, or a scheduler's SIGTERM): the step finished, a checkpoint was written.
 * The command exits `exitCode`: 128 + the signal's number, as a process killed by it would (130 for
 * SIGINT, 143 for SIGTERM), so that schedulers and shells read the usual status.
 */
export class Interrupted extends Error {
  constructor(
    where: string,
    readonly exitCode = 130,
  ) {
    super(`interrupted ${where}`);
    this.name = 'Interrupted';
  }
}

/** Every N steps and/or every M minutes (both counted since the last checkpoint). */
export interface CheckpointPolicy {
  steps?: number;
  minutes?: number;
}

/** `--checkpoint-every`: "500" (steps) or "10m" (minutes). */
export function parsePolicy(text: string): CheckpointPolicy | null {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(text.trim());
  if (!m || !(Number(m[1]) > 0)) return null;
  return m[2] ? { minutes: Number(m[1]) } : Number.isInteger(Number(m[1])) ? { steps: Number(m[1]) } : null;
}

export const describe = (p: Position) => `${p.phase}${p.phase === PRETRAIN_PHASE ? ` stage ${p.stage + 1}` : ''} at step ${p.step}`;

/** A row-major matrix with its shape, as a checkpoint keeps it. */
export interface SavedMatrix {
  data: Float32Array;
  shape: [number, number];
}

/** What the finished phases produced: carried by every later checkpoint. */
export interface Finished {
  /** Raw k-means (the baseline): its clusters. */
  rawLabels?: Uint32Array;
  /** k-means on the embedding: its clusters and the initial centres [k, d_z]. */
  kmeans?: { labels: Uint32Array; centers: SavedMatrix };
  /** The t-SNE subset's embedding after pretraining, [m, d_z]. */
  mapBefore?: SavedMatrix;
}

/** The phases whose time a run records. */
export type TimedPhase = 'raw' | 'pretrain' | 'kmeans' | 'dec';

// The finished results under their names in the checkpoint file (the file's format; nowhere else).
const RAW = 'done.raw.labels';
const KM_LABELS = 'done.kmeans.labels';
const KM_CENTERS = 'done.kmeans.centers';
const MAP_BEFORE = 'done.tsne.pretrain';

function finishedTensors(f: Finished): Record<string, StTensor> {
  const out: Record<string, StTensor> = {};
  const u32 = (data: Uint32Array): StTensor => ({ dtype: 'U32', shape: [data.length], data });
  const f32 = (m: SavedMatrix): StTensor => ({ dtype: 'F32', shape: m.shape, data: m.data });
  if (f.rawLabels) out[RAW] = u32(f.rawLabels);
  if (f.kmeans) [out[KM_LABELS], out[KM_CENTERS]] = [u32(f.kmeans.labels), f32(f.kmeans.centers)];
  if (f.mapBefore) out[MAP_BEFORE] = f32(f.mapBefore);
  return out;
}

function finishedFrom(t: Record<string, StTensor>): Finished {
  const matrix = (st: StTensor): SavedMatrix => ({ data: st.data as Float32Array, shape: [st.shape[0], st.shape[1]] });
  const f: Finished = {};
  if (t[RAW]) f.rawLabels = t[RAW].data as Uint32Array;
  if (t[KM_LABELS] && t[KM_CENTERS]) f.kmeans = { labels: t[KM_LABELS].data as Uint32Array, centers: matrix(t[KM_CENTERS]) };
  if (t[MAP_BEFORE]) f.mapBefore = matrix(t[MAP_BEFORE]);
  return f;
}

/**
 * Writes checkpoints as the policy says (and at every phase boundary) and carries the finished
 * phases' results, their times and the history.
 */
export class Checkpoints {
  /** Results of finished phases, carried by every later checkpoint. */
  finished: Finished = {};
  /** Seconds spent in each phase so far, over all the processes of a resumed run. */
  readonly spent: Partial<Record<TimedPhase, number>> = {};
  /** The curves recorded so far: saved with every checkpoint, written as history.json beside it. */
  history: RunHistory = emptyHistory();
  /** Set by the CLI's SIGINT and SIGTERM handler: the next step boundary saves and stops. */
  stopRequested = false;
  /** The phase running now and when it started: its time so far goes into each checkpoint. */
  clock: { phase: TimedPhase; since: number } | null = null;
  private stepsSince = 0;
  private lastSave = performance.now();

  constructor(
    readonly dir: string | null,
    readonly policy: CheckpointPolicy,
    private log: (line: string) => void = () => {},
    /** Written into every checkpoint: the run it belongs to (a hash of its config.json). */
    readonly run = '',
  ) {}

  /** Takes over, from the checkpoint a run resumes from, the finished phases' results and times. */
  carry(r: Snapshot): void {
    this.finished = finishedFrom(r.tensors);
    for (const [name, v] of Object.entries(r.info)) if (name.startsWith('seconds.')) this.spent[name.slice('seconds.'.length) as TimedPhase] = v;
    if (r.history) this.history = r.history;
  }

  /** Seconds spent in a phase so far, over all the processes of a resumed run. */
  seconds(phase: TimedPhase): number {
    return this.spent[phase] ?? 0;
  }

  /** Runs a phase on the clock (a checkpoint taken meanwhile carries its time so far). */
  async timed<T>(phase: TimedPhase, fn: () => Promise<T>): Promise<T> {
    this.clock = { phase, since: performance.now() };
    const out = await fn();
    this.spent[phase] = this.seconds(phase) + (performance.now() - this.clock.since) / 1000;
    this.clock = null;
    return out;
  }

  /** After each training step (a training loop's afterStep hook): saves when due, and stops (after saving) when asked to. */
  async tick(capture: () => Promise<Snapshot>): Promise<void> {
    this.stepsSince++;
    const { steps, minutes } = this.policy;
    const due = (steps !== undefined && this.stepsSince >= steps) || (minutes !== undefined && performance.now() - this.lastSave >= minutes * 60_000);
    if (!due && !this.stopRequested) return;
    const snap = await capture();
    await this.save(snap);
    if (this.stopRequested) throw new Interrupted(describe(snap.position));
  }

  /** At a phase boundary: saves (when a directory is set) and honours a pending stop. */
  async boundary(snap: Snapshot): Promise<void> {
    await this.save(snap);
    if (this.stopRequested) throw new Interrupted(describe(snap.position));
  }

  /** Writes the snapshot and the finished phases' results; refuses (NonFiniteError) a non-finite state. */
  async save(snap: Snapshot): Promise<void> {
    this.stepsSince = 0;
    this.lastSave = performance.now();
    const tensors = { ...finishedTensors(this.finished), ...snap.tensors };
    for (const [name, t] of Object.entries(tensors)) {
      if (t.dtype === 'F32' && !t.data.every(Number.isFinite)) throw new NonFiniteError(snap.label ?? describe(snap.position), name);
    }
    if (!this.dir) return;
    const info: Record<string, number> = { ...snap.info };
    for (const [phase, s] of Object.entries(this.spent)) info[`seconds.${phase}`] = s;
    if (this.clock) {
      const key = `seconds.${this.clock.phase}`;
      info[key] = (info[key] ?? 0) + (performance.now() - this.clock.since) / 1000;
    }
    const bytes = encodeSafetensors(tensors, {
      format: 'webgpu-dec-checkpoint/1',
      run: this.run,
      position: JSON.stringify(snap.position),
      info: JSON.stringify(info),
      history: JSON.stringify(this.history),
    });
    writeAtomic(this.dir, CHECKPOINT_FILE, bytes);
    writeHistory(this.dir, this.history);
    this.log(`checkpoint: ${describe(snap.position)}${snap.label ? ` (${snap.label})` : ''} -> ${join(this.dir, CHECKPOINT_FILE)}`);
  }

  /** The last checkpoint in `dir`; an InputError when there is none. */
  static load(dir: string): Snapshot {
    const path = join(dir, CHECKPOINT_FILE);
    if (!existsSync(path)) throw new InputError(`${dir}: no ${CHECKPOINT_FILE} to resume from; start the run without --resume`);
    const { tensors, metadata } = readSafetensors(path);
    if (metadata.format !== 'webgpu-dec-checkpoint/1') throw new InputError(`${path}: not a webgpu-dec checkpoint`);
    checkFiniteTensors(path, tensors, 'checkpoint');
    const history = metadata.history ? (JSON.parse(metadata.history) as RunHistory) : undefined;
    return { position: JSON.parse(metadata.position), tensors, info: JSON.parse(metadata.info), run: metadata.run, history };
  }
}
