// What `train --json` reports besides progress: DEC's target updates (with ACC/NMI where there are
// labels) and the checkpoints, observed from the outside of the pipeline (the method's loops are not told
// about the CLI's events).
import { join } from 'node:path';
import { CHECKPOINT_FILE, Checkpoints, type Snapshot } from '../run/checkpoint.js';
import type { RunHistory } from '../records/history.js';
import type { Reporter } from './reporter.js';

/**
 * The run's history recorder (src/run/history.ts) adds an entry to `checkpoints.history.dec` at
 * each target update; `flush` reports those added since its last call. Called before each progress
 * event and each checkpoint, the events keep the run's order: an update is reported before the first
 * progress or checkpoint after it. A resumed run reports only its own updates.
 */
export class TargetUpdates {
  private last: number;

  constructor(
    private history: () => RunHistory,
    private rep: Reporter,
    resumedFrom?: RunHistory,
  ) {
    this.last = Math.max(-1, ...(resumedFrom?.dec ?? []).map((d) => d.iteration));
  }

  flush(): void {
    for (const d of this.history().dec) {
      if (d.iteration <= this.last) continue;
      this.last = d.iteration;
      this.rep.event({ event: 'target_update', iteration: d.iteration, loss: d.loss, changed: d.changed, acc: d.acc ?? null, nmi: d.nmi ?? null });
    }
  }
}

/** Checkpoints that call `saved` after each one is written and `phaseEnded` at each phase boundary. */
export class ReportedCheckpoints extends Checkpoints {
  saved: (snap: Snapshot) => void = () => {};
  phaseEnded: () => void = () => {};

  override async boundary(snap: Snapshot): Promise<void> {
    this.phaseEnded();
    await super.boundary(snap);
  }

  override async save(snap: Snapshot): Promise<void> {
    await super.save(snap);
    if (this.dir) this.saved(snap);
  }

  /** The checkpoint event of `snap`. */
  event(snap: Snapshot) {
    const { phase, stage, step } = snap.position;
    return { event: 'checkpoint' as const, phase, stage, step, label: snap.label ?? null, file: join(this.dir ?? '', CHECKPOINT_FILE) };
  }
}
