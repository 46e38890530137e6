// `--json`: what a command is doing as JSON lines on stdout, one event per line, for pipelines and
// dashboards. stdout then carries nothing else (the human summary goes to stderr); errors stay one
// line on stderr with the usual exit code (0 done, 1 failure at run time, 2 bad input, 130
// interrupted), so a stream without "done" means the command did not finish.
//
// Every event has "event" (its kind, below). Numbers are plain JSON numbers; a field that does not
// apply is null, never left out, so every event of one kind has the same keys.
//
//   {"event":"start", "command":"train"|"predict"|"embed"|"tsne", "version":"0.2.0", ...}
//       first, once the flags and the input are checked; the rest says what runs:
//       train: out, data, n, d, k, preset, seed, adapter, resume ({phase, stage, step} or null);
//       predict, embed: model, data, n, k; tsne: data, model (or null), n, adapter.
//   {"event":"progress", "phase":"pretrain", "step":120, "total":4396, "epoch":1|null,
//    "loss":0.0341|null, "changed":0.012|null, "elapsed_s":4.2}
//       a training phase's progress, as often as the plain lines (every 20 steps): phase is
//       'raw k-means', 'pretrain', 'pretrain layer 2/4', 'finetune', 'k-means', 'dec', 't-SNE',
//       't-SNE pretrain', 't-SNE dec'; k-means reports each restart as '<phase> r/R' with Lloyd
//       iterations as steps, after one event '<phase>' with step 0 and total R. total is an upper
//       bound for dec (it stops early at --tol). loss: the phase's objective (the reconstruction
//       loss, DEC's KL(P‖Q) per point, t-SNE's KL); changed: the share of points (0 to 1) whose
//       cluster changed at the last update; elapsed_s: seconds since this phase began in this process.
//   {"event":"target_update", "iteration":140, "loss":0.052|null, "changed":0.004|null,
//    "acc":0.84|null, "nmi":0.79|null}
//       train: DEC recomputed its target P at this iteration. loss is KL(P‖Q) per point for the new
//       P, changed the share of points whose cluster changed since the previous update (null at
//       the first), acc and nmi the scores against the labels (null without labels). The same
//       numbers as history.json's "dec" entries.
//   {"event":"checkpoint", "phase":"pretrain"|"kmeans"|"dec", "stage":0, "step":500,
//    "label":"after pretraining"|null, "file":"dec-out/checkpoint.safetensors"}
//       train: a checkpoint was written; the run continues from it with --resume. stage counts
//       the pretraining stages from 0.
//   {"event":"done", "command":"train", "metrics":{...}, "files":["dec-out/metrics.json", ...],
//    "seconds":61.2}
//       last: the command finished (exit 0). metrics: train: metrics.json's content; predict:
//       n, k, sizes and acc, nmi, ari (null without labels); embed: n, dims (both with
//       rows: [A, B] where --rows or --shard chose file rows A to B-1; start has it too); tsne: n, kl,
//       trustworthiness_5, seconds. files: what it wrote. seconds: the command's wall time.
import { packageVersion } from '../io/version.js';

export interface StartEvent {
  event: 'start';
  command: string;
  version: string;
  [what: string]: unknown;
}

export interface ProgressJson {
  event: 'progress';
  phase: string;
  step: number;
  total: number;
  epoch: number | null;
  loss: number | null;
  changed: number | null;
  elapsed_s: number;
}

export interface TargetUpdateJson {
  event: 'target_update';
  iteration: number;
  loss: number | null;
  changed: number | null;
  acc: number | null;
  nmi: number | null;
}

export interface CheckpointJson {
  event: 'checkpoint';
  phase: string;
  stage: number;
  step: number;
  label: string | null;
  file: string;
}

export interface DoneEvent {
  event: 'done';
  command: string;
  metrics: object;
  files: string[];
  seconds: number;
}

export type CliEvent = StartEvent | ProgressJson | TargetUpdateJson | CheckpointJson | DoneEvent;

export const startEvent = (command: string, what: Record<string, unknown>): StartEvent => ({ event: 'start', command, version: packageVersion(), ...what });

/** One event as a line of JSON (non-finite numbers become null, as JSON has no NaN). */
export const jsonLine = (e: CliEvent): string => JSON.stringify(e) + '\n';
