// Views: GPUBuffers that stand for a range of another buffer (an arena).
//
// An optimiser keeps every parameter of a model in one buffer, an arena, so that one dispatch
// updates them all (src/nn/arena.ts); yet the ops bind each parameter by its own GPUBuffer (matmul
// reads `weight.buffer`). So the runtime keeps this table, and wherever it uses a buffer (bind
// groups, copies, writes, reads) it uses the buffer's range instead when the buffer has one:
//  - place(buffer, range) moves an existing buffer into an arena. It keeps its identity, so every
//    tensor, model or closure holding it keeps working; its own memory lies unused until
//    unplace(buffer) (the caller copies the data back first).
//  - view(range) makes a new buffer of size 0 that stands for the range (a gradient's slot in the
//    gradient arena). Being of size 0, it fails validation loudly if anything binds it without
//    going through the runtime, instead of touching the wrong memory.

/** A byte range of a buffer. */
export interface BufferRange {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

/** The table of buffers that stand for a range of another buffer (see the file comment). */
export class BufferViews {
  private ranges = new WeakMap<GPUBuffer, BufferRange>();
  private handles = new WeakSet<GPUBuffer>();

  constructor(private device: GPUDevice) {}

  /** From now on, `buffer` means `range` wherever the runtime uses it. */
  place(buffer: GPUBuffer, range: BufferRange): void {
    const align = this.device.limits.minStorageBufferOffsetAlignment;
    if (range.offset % align !== 0) throw new Error(`a view's offset must be a multiple of ${align} bytes, got ${range.offset}`);
    if (range.size <= 0 || range.offset + range.size > range.buffer.size) {
      throw new Error(`a view of ${range.size} bytes at ${range.offset} does not fit a buffer of ${range.buffer.size}`);
    }
    if (this.ranges.has(range.buffer)) throw new Error('a view cannot be placed inside another view');
    this.ranges.set(buffer, range);
  }

  /** `buffer` means its own memory again. */
  unplace(buffer: GPUBuffer): void {
    this.ranges.delete(buffer);
  }

  /** A new buffer handle (of size 0) that stands for `range`. */
  view(range: BufferRange, label = 'view'): GPUBuffer {
    const handle = this.device.createBuffer({ size: 0, usage: 0x80 /* STORAGE */, label });
    this.handles.add(handle);
    this.place(handle, range);
    return handle;
  }

  /** The range `buffer` stands for, or undefined when it means its own memory. */
  rangeOf(buffer: GPUBuffer): BufferRange | undefined {
    return this.ranges.get(buffer);
  }

  /** Where `bytes` bytes at `offset` of `buffer` really are (checked against a view's range). */
  resolve(buffer: GPUBuffer, offset: number, bytes: number): { buffer: GPUBuffer; offset: number } {
    const r = this.ranges.get(buffer);
    if (!r) return { buffer, offset };
    if (offset + bytes > r.size) throw new Error(`${bytes} bytes at ${offset} run past a view of ${r.size} bytes`);
    return { buffer: r.buffer, offset: r.offset + offset };
  }

  /**
   * Forgets a buffer that is being released. A view handle is destroyed (no command refers to it:
   * the runtime always bound and copied its range) and true returned; a placed buffer is unplaced,
   * to go back to the pool.
   */
  release(buffer: GPUBuffer): boolean {
    this.ranges.delete(buffer);
    if (!this.handles.has(buffer)) return false;
    this.handles.delete(buffer);
    buffer.destroy();
    return true;
  }
}
