// GPU timestamps around each dispatch (Runtime.profile): where a step's time goes, per kernel.

const CAPACITY = 4096; // timestamps: 2 per dispatch

export class Profiler {
  private querySet: GPUQuerySet;
  readonly result: GPUBuffer;
  private labels: string[] = [];

  constructor(private device: GPUDevice) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: CAPACITY });
    this.result = device.createBuffer({ size: CAPACITY * 8, usage: 0x200 | 0x4 }); // QUERY_RESOLVE | COPY_SRC
  }

  get used(): number {
    return this.labels.length * 2;
  }

  get times(): string[] {
    return this.labels;
  }

  /** The timestampWrites of the next dispatch, or undefined once the query set is full. */
  slot(label: string): GPUComputePassTimestampWrites | undefined {
    if (this.used + 2 > CAPACITY) return undefined;
    const i = this.used;
    this.labels.push(label);
    return { querySet: this.querySet, beginningOfPassWriteIndex: i, endOfPassWriteIndex: i + 1 };
  }

  resolve(encoder: GPUCommandEncoder): void {
    if (this.used) encoder.resolveQuerySet(this.querySet, 0, this.used, this.result, 0);
  }

  summarise(ticks: BigUint64Array, labels: string[]): Map<string, { ms: number; count: number }> {
    const out = new Map<string, { ms: number; count: number }>();
    labels.forEach((label, i) => {
      const ns = Number(ticks[2 * i + 1] - ticks[2 * i]);
      const e = out.get(label) ?? { ms: 0, count: 0 };
      e.ms += ns / 1e6;
      e.count++;
      out.set(label, e);
    });
    return out;
  }

  destroy(): void {
    this.querySet.destroy();
    this.result.destroy();
  }
}
