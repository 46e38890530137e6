// A pool of GPU buffers keyed by (usage, size).
//
// A released buffer may still be read by commands recorded but not yet submitted, so it becomes
// reusable only after the next submit (`afterSubmit`): from then on the queue orders any new use
// after the old one. A steady-state training loop therefore creates no new buffers.
// Free lists are kept sorted by creation order, so a step that acquires the same sizes in the same
// order gets the very same buffers as the step before: its cached bind groups are found again.

/** GPUBufferUsage of pooled storage buffers: STORAGE | COPY_SRC | COPY_DST. */
export const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST
/** GPUBufferUsage of readback buffers: MAP_READ | COPY_DST. */
export const READBACK_USAGE = 0x1 | 0x8; // MAP_READ | COPY_DST

/** Sizes are rounded up so that nearby sizes share buffers (and bindings stay 16-byte aligned). */
export function roundSize(bytes: number): number {
  return Math.max(256, Math.ceil(bytes / 256) * 256);
}

/**
 * GPU buffers kept for reuse, keyed by usage and rounded size; a released buffer is reused only
 * after the next submit.
 */
export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  private pending: GPUBuffer[] = [];
  private doomed: GPUBuffer[] = [];
  private meta = new WeakMap<GPUBuffer, { key: string; id: number; size: number }>();
  /** Number of buffers ever created: the "pool stays flat" test watches this. */
  created = 0;
  /** Bytes of the buffers the pool holds now (kept for reuse; only `discard` gives any back). */
  bytes = 0;
  /** The most bytes it held at once. */
  peak = 0;

  constructor(private device: GPUDevice) {}

  /** A buffer of at least `bytes` (a free one of that usage and rounded size, else a new one). */
  acquire(bytes: number, usage = STORAGE_USAGE, label = 'pooled'): GPUBuffer {
    const size = roundSize(bytes);
    const key = `${usage}:${size}`;
    const reuse = this.free.get(key)?.pop();
    if (reuse) return reuse;
    const buffer = this.device.createBuffer({ size, usage, label });
    this.created++;
    this.bytes += size;
    this.peak = Math.max(this.peak, this.bytes);
    this.meta.set(buffer, { key, id: this.created, size });
    return buffer;
  }

  /**
   * Gives a buffer up for good (a data set's rows once a run is done with them): destroyed after
   * the next submit, so that commands recorded before still run, and its memory goes back.
   */
  discard(buffer: GPUBuffer): void {
    this.doomed.push(buffer);
  }

  /** Returns a buffer; it is handed out again only after the next submit. */
  release(buffer: GPUBuffer): void {
    this.pending.push(buffer);
  }

  /** Called by the recorder right after each queue.submit(). */
  afterSubmit(): void {
    for (const b of this.doomed) {
      this.bytes -= this.meta.get(b)!.size;
      b.destroy();
    }
    this.doomed = [];
    const touched = new Set<GPUBuffer[]>();
    for (const b of this.pending) {
      const { key } = this.meta.get(b)!;
      let list = this.free.get(key);
      if (!list) this.free.set(key, (list = []));
      list.push(b);
      touched.add(list);
    }
    this.pending = [];
    const id = (b: GPUBuffer) => this.meta.get(b)!.id;
    for (const list of touched) list.sort((a, b) => id(b) - id(a)); // pop() hands out the oldest
  }
}
