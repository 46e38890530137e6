// The dispatch layer: pipelines and bind groups cached, uniforms cached by content, one command
// encoder (and one compute pass) recording until an explicit flush, pooled buffers, readback.
//
// Uniform buffers are cached by content, so a training step that re-uses the same parameter
// structs every step writes nothing and finds its bind groups again. The cache is bounded
// (UNIFORM_CACHE_LIMIT): a kernel whose scalars change every call (a learning-rate schedule, a
// per-chunk row offset) would otherwise leak one buffer, and its bind groups, per distinct value.
// Eviction happens only in flush(), right after the submit, when the encoder is empty: then no
// recorded-but-unsubmitted command refers to any uniform buffer, and a `queue.writeBuffer` into a
// recycled one is ordered after the commands already submitted (which still see the old bytes)
// and before the next submit. The least recently used entries go to a free list that new
// contents take before creating buffers; the bind groups that bound them are dropped with them.
import { GpuDevice, type DeviceOptions } from './device.js';
import { BufferPool, READBACK_USAGE, STORAGE_USAGE } from './pool.js';
import { shaderSource } from './shaders.js';
import { Profiler } from './profiler.js';
import { settle } from './wait.js';
import { BufferViews } from './views.js';

/** A binding's kind: a uniform buffer, a read-only storage buffer, or a read-write one. */
export type BindingKind = 'uniform' | 'read' | 'rw';

/** A compute entry point in shaders/<file>.wgsl and the kinds of its bindings 0..n-1 (group 0). */
export interface Kernel {
  /** The shader file's name without .wgsl (with `code`: only a label for messages and profiles). */
  file: string;
  /** The `@compute` function's name. */
  entry: string;
  /** The kind of each binding of group 0, in binding order. */
  bindings: readonly BindingKind[];
  /**
   * WGSL source that is not in the package's shaders/ folder (a kernel of your own). The shader
   * module and pipelines are then cached by this code rather than by `file`, so two such kernels
   * may share a label.
   */
  code?: string;
}

/** Values of a WGSL module's `override` constants, by name. */
export type Constants = Record<string, number | boolean>;

/** Little-endian packing of a uniform struct made only of u32/i32/f32 fields. */
export class Uniform {
  private view: DataView;
  private n = 0;
  constructor(fields: number) {
    this.view = new DataView(new ArrayBuffer(Math.max(16, Math.ceil((fields * 4) / 16) * 16)));
  }
  /** Appends a u32 field. */
  u32(v: number): this {
    this.view.setUint32(4 * this.n++, v >>> 0, true);
    return this;
  }
  /** Appends an f32 field. */
  f32(v: number): this {
    this.view.setFloat32(4 * this.n++, v, true);
    return this;
  }
  get bytes(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.view.buffer as ArrayBuffer);
  }
}

/**
 * Distinct uniform contents kept between flushes. A training step uses a few hundred (one per
 * dispatch of each shape); 1024 holds that working set with room for a second shape (the last,
 * smaller batch; evaluation passes) so that steady-state steps never miss, while a stream of ever
 * new values keeps at most this many tiny buffers, and their bind groups, alive.
 */
export const UNIFORM_CACHE_LIMIT = 1024;

/** A cached uniform buffer and the flush count when it was last bound. */
interface UniformEntry {
  buffer: GPUBuffer;
  used: number;
  /** Keys of the cached bind groups that bind this buffer: dropped when it is recycled. */
  bindGroups: string[];
}

let nextId = 1;
const ids = new WeakMap<GPUBuffer, number>();
function idOf(b: GPUBuffer): number {
  let id = ids.get(b);
  if (id === undefined) ids.set(b, (id = nextId++));
  return id;
}

/**
 * The dispatch layer over one WebGPU device: kernels are recorded into one command encoder until
 * flush(); buffers come from a pool; pipelines, bind groups and uniforms are cached.
 */
export class Runtime {
  readonly pool: BufferPool;
  /** Buffers that stand for a range of an arena (parameters in an optimiser's arena): see views.ts. */
  readonly views: BufferViews;
  readonly device: GPUDevice;
  private layouts = new Map<string, GPUBindGroupLayout>();
  private pipelineLayouts = new Map<string, GPUPipelineLayout>();
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();
  private bindGroups = new Map<string, GPUBindGroup>();
  /** Content key → entry, in least-recently-used-first order (an entry moves to the end when used). */
  private uniforms = new Map<string, UniformEntry>();
  /** The live entries by buffer: tells bindGroup() which of its buffers are cached uniforms. */
  private uniformEntries = new Map<GPUBuffer, UniformEntry>();
  /** Recycled uniform buffers by size, ready to take a new content. */
  private freeUniforms = new Map<number, GPUBuffer[]>();
  /** Number of flushes so far: the clock of the uniform cache's LRU order. */
  private flushes = 0;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** Kernels recorded since the last flush: named in error messages. */
  private recorded: string[] = [];
  /** Counters for tests and benchmarks. */
  stats = { submits: 0, dispatches: 0, pipelinesCreated: 0, bindGroupsCreated: 0, uniformsCreated: 0, uniformsRecycled: 0 };

  /** Current sizes of the caches that must stay bounded (tests watch these). */
  get cached(): { uniforms: number; freeUniforms: number; bindGroups: number } {
    let free = 0;
    for (const list of this.freeUniforms.values()) free += list.length;
    return { uniforms: this.uniforms.size, freeUniforms: free, bindGroups: this.bindGroups.size };
  }

  private constructor(readonly gpu: GpuDevice) {
    this.device = gpu.device;
    this.pool = new BufferPool(this.device);
    this.views = new BufferViews(this.device);
  }

  /** Opens a device on the chosen adapter (see DeviceOptions) and a runtime over it. */
  static async create(opts: DeviceOptions = {}): Promise<Runtime> {
    return new Runtime(await GpuDevice.open(opts));
  }

  get adapterName(): string {
    return this.gpu.name;
  }

  // ---- pipelines ---------------------------------------------------------------------------

  private layout(k: Kernel): GPUPipelineLayout {
    const key = k.bindings.join(',');
    let pl = this.pipelineLayouts.get(key);
    if (!pl) {
      const bgl = this.device.createBindGroupLayout({
        label: key,
        entries: k.bindings.map((kind, binding) => ({
          binding,
          visibility: 4, // GPUShaderStage.COMPUTE
          buffer: { type: kind === 'uniform' ? 'uniform' : kind === 'read' ? 'read-only-storage' : 'storage' },
        })),
      });
      this.layouts.set(key, bgl);
      pl = this.device.createPipelineLayout({ bindGroupLayouts: [bgl] });
      this.pipelineLayouts.set(key, pl);
    }
    return pl;
  }

  /** The compute pipeline of a kernel with these override constants (built once, then cached). */
  pipeline(k: Kernel, constants: Constants = {}): GPUComputePipeline {
    const ckey = Object.keys(constants)
      .sort()
      .map((c) => `${c}=${+constants[c]}`)
      .join(',');
    const source = k.code ?? k.file; // the module's cache key
    const key = `${source}:${k.entry}:${ckey}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const label = `${k.file}.${k.entry}${ckey ? `[${ckey}]` : ''}`;
      let module = this.modules.get(source);
      if (!module) {
        module = this.device.createShaderModule({ label: k.file, code: k.code ?? shaderSource(k.file) });
        this.modules.set(source, module);
      }
      const c: Record<string, number> = {};
      for (const [n, v] of Object.entries(constants)) c[n] = +v;
      p = this.device.createComputePipeline({
        label,
        layout: this.layout(k),
        compute: { module, entryPoint: k.entry, constants: c },
      });
      this.pipelines.set(key, p);
      this.stats.pipelinesCreated++;
    }
    return p;
  }

  /**
   * A uniform buffer holding these bytes, valid for the commands recorded until the next flush
   * (one that flush() recycles may then be rewritten with another content). A content seen before
   * is found in the cache: no write, and the bind groups made with it are found again. A new one
   * takes a recycled buffer if there is one of its size (rewriting it is safe: recycling happens
   * right after a submit, so the queue orders this write after every command that used the old
   * content, and no command recorded since then refers to it), else a new buffer.
   */
  uniform(u: Uniform): GPUBuffer {
    const bytes = u.bytes;
    const key = Buffer.from(bytes).toString('base64');
    let e = this.uniforms.get(key);
    if (e) {
      if (e.used !== this.flushes) {
        // First use since the last flush: move to the end, keeping the map in LRU order.
        this.uniforms.delete(key);
        this.uniforms.set(key, e);
        e.used = this.flushes;
      }
      return e.buffer;
    }
    let buffer = this.freeUniforms.get(bytes.byteLength)?.pop();
    if (!buffer) {
      buffer = this.device.createBuffer({ size: bytes.byteLength, usage: 0x40 | 0x8, label: 'uniform' });
      this.stats.uniformsCreated++;
    }
    this.device.queue.writeBuffer(buffer, 0, bytes);
    e = { buffer, used: this.flushes, bindGroups: [] };
    this.uniforms.set(key, e);
    this.uniformEntries.set(buffer, e);
    return buffer;
  }

  /**
   * Called by flush() right after the submit, with nothing recorded: trims the uniform cache to
   * UNIFORM_CACHE_LIMIT, least recently used first. Any entry may go, even one used by the
   * commands just submitted: a later rewrite is ordered after them on the queue. The entries of
   * one flush may exceed the limit until then (they are all referenced by the open encoder).
   */
  private recycleUniforms(): void {
    let excess = this.uniforms.size - UNIFORM_CACHE_LIMIT;
    if (excess <= 0) return;
    for (const [key, e] of this.uniforms) {
      if (excess-- <= 0) break;
      this.uniforms.delete(key);
      this.uniformEntries.delete(e.buffer);
      for (const bg of e.bindGroups) this.bindGroups.delete(bg);
      const size = e.buffer.size;
      let list = this.freeUniforms.get(size);
      if (!list) this.freeUniforms.set(size, (list = []));
      list.push(e.buffer);
      this.stats.uniformsRecycled++;
    }
    // A burst of many new contents in one flush must not leave as many spare buffers forever:
    // keep the most recently freed ones. destroy() lets the submitted commands finish first.
    for (const list of this.freeUniforms.values()) {
      if (list.length > UNIFORM_CACHE_LIMIT) for (const b of list.splice(0, list.length - UNIFORM_CACHE_LIMIT)) b.destroy();
    }
  }

  private bindGroup(k: Kernel, buffers: GPUBuffer[]): GPUBindGroup {
    // A view binds its range of the arena (and is keyed by it): see views.ts.
    const ranges = buffers.map((b) => this.views.rangeOf(b));
    const keyOf = (b: GPUBuffer, i: number) => {
      const r = ranges[i];
      return r ? `${idOf(r.buffer)}@${r.offset}+${r.size}` : idOf(b);
    };
    const key = `${k.bindings.join(',')}|${buffers.map(keyOf).join(',')}`;
    let bg = this.bindGroups.get(key);
    if (!bg) {
      this.layout(k);
      bg = this.device.createBindGroup({
        label: `${k.file}.${k.entry}`,
        layout: this.layouts.get(k.bindings.join(','))!,
        entries: buffers.map((buffer, binding) => ({ binding, resource: ranges[binding] ?? { buffer } })),
      });
      this.bindGroups.set(key, bg);
      this.stats.bindGroupsCreated++;
      // Indexed by uniform buffer so that recycling one drops its bind groups cheaply. (A key
      // listed under two uniforms may outlive its bind group in one list: deleting it is harmless.)
      for (const b of buffers) this.uniformEntries.get(b)?.bindGroups.push(key);
    }
    return bg;
  }

  // ---- recording ---------------------------------------------------------------------------

  private currentEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /**
   * Records one dispatch into the current compute pass. `buffers` are bound at 0..n-1 in the
   * order of `k.bindings`; a Uniform is turned into its cached buffer.
   */
  dispatch(k: Kernel, buffers: (GPUBuffer | Uniform)[], groups: [number, number?, number?], constants: Constants = {}): void {
    const pipe = this.pipeline(k, constants);
    const bound = buffers.map((b) => (b instanceof Uniform ? this.uniform(b) : b));
    const bg = this.bindGroup(k, bound);
    const label = `${k.file}.${k.entry}`;
    const timed = this.profiling?.slot(label);
    if (timed) {
      // Profiling: one pass per dispatch, with GPU timestamps at its start and end.
      this.endPass();
      this.pass = this.currentEncoder().beginComputePass({ timestampWrites: timed });
    } else if (!this.pass) this.pass = this.currentEncoder().beginComputePass();
    this.pass.setPipeline(pipe);
    this.pass.setBindGroup(0, bg);
    this.pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    if (timed) this.endPass();
    this.stats.dispatches++;
    if (this.recorded.length < 64) this.recorded.push(label);
  }

  /** Records a buffer-to-buffer copy (in order with the dispatches). */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0, dstOffset = 0): void {
    const from = this.views.resolve(src, srcOffset, bytes);
    const to = this.views.resolve(dst, dstOffset, bytes);
    this.endPass();
    this.currentEncoder().copyBufferToBuffer(from.buffer, from.offset, to.buffer, to.offset, bytes);
  }

  /**
   * Submits everything recorded since the last flush (one command buffer), then recycles pooled
   * buffers and the least recently used uniform buffers past the cache's bound (see uniform()).
   */
  flush(): void {
    this.endPass();
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.stats.submits++;
    }
    this.pool.afterSubmit();
    this.recycleUniforms();
    this.flushes++;
    const kernels = [...new Set(this.recorded)].join(', ');
    this.recorded = [];
    this.gpu.check(kernels ? `a submit of [${kernels}]` : 'a submit');
  }

  /** Waits, without spinning, until the GPU has finished all submitted work. */
  async sync(): Promise<void> {
    this.flush();
    await settle(this.device.queue.onSubmittedWorkDone(), () => this.gpu.check());
    this.gpu.check();
  }

  // ---- data in and out ---------------------------------------------------------------------

  /** Set while `profile()` runs. */
  private profiling: Profiler | null = null;

  /**
   * Runs `record` (which records and flushes work) with a GPU timestamp around every dispatch and
   * returns the GPU time per kernel, in ms. Needs the adapter's timestamp-query feature.
   */
  async profile(record: () => void | Promise<void>): Promise<Map<string, { ms: number; count: number }>> {
    if (!this.device.features.has('timestamp-query')) throw new Error('profile: this adapter has no timestamp-query feature');
    await this.sync();
    this.profiling = new Profiler(this.device);
    try {
      await record();
      this.endPass();
      this.profiling.resolve(this.currentEncoder());
      const times = this.profiling.times;
      const ticks = new BigUint64Array(await this.read(this.profiling.result, this.profiling.used * 8));
      return this.profiling.summarise(ticks, times);
    } finally {
      this.profiling.destroy();
      this.profiling = null;
    }
  }

  private scratchBuffer: GPUBuffer | null = null;
  /** A small buffer bound where a kernel's binding is unused (an absent bias, an unused operand). */
  get scratch(): GPUBuffer {
    if (!this.scratchBuffer) this.scratchBuffer = this.device.createBuffer({ size: 256, usage: STORAGE_USAGE, label: 'scratch' });
    return this.scratchBuffer;
  }

  /** A storage buffer of at least `bytes` from the pool. */
  acquire(bytes: number): GPUBuffer {
    return this.pool.acquire(bytes, STORAGE_USAGE);
  }

  /** Returns a buffer to the pool; reused only after the next submit. */
  release(buffer: GPUBuffer): void {
    if (!this.views.release(buffer)) this.pool.release(buffer);
  }

  /** Gives a pooled buffer up for good (destroyed after the next submit): for large buffers used once, such as a data set's rows. */
  discard(buffer: GPUBuffer): void {
    if (!this.views.release(buffer)) this.pool.discard(buffer);
  }

  /** Copies host data into a buffer (queue order: before the next submit). */
  write(buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    const to = this.views.resolve(buffer, offset, data.byteLength);
    this.device.queue.writeBuffer(to.buffer, to.offset, data.buffer, data.byteOffset, data.byteLength);
  }

  /**
   * Reads `bytes` from `buffer` (after everything recorded so far). Flushes; the returned promise
   * may be awaited later, so the caller can keep recording meanwhile.
   */
  async read(buffer: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    const staging = this.pool.acquire(bytes, READBACK_USAGE, 'readback');
    this.copy(buffer, staging, Math.ceil(bytes / 4) * 4, offset, 0);
    this.flush();
    try {
      await settle(staging.mapAsync(1 /* GPUMapMode.READ */, 0, Math.ceil(bytes / 4) * 4), () => this.gpu.check());
    } catch (e) {
      this.gpu.check('a readback');
      throw e;
    }
    const out = staging.getMappedRange(0, Math.ceil(bytes / 4) * 4).slice(0, bytes);
    staging.unmap();
    this.pool.release(staging);
    return out;
  }

  /** `count` f32 values of `buffer` from element `offset` (see read()). */
  async readF32(buffer: GPUBuffer, count: number, offset = 0): Promise<Float32Array> {
    return new Float32Array(await this.read(buffer, count * 4, offset * 4));
  }

  /** `count` u32 values of `buffer` from element `offset` (see read()). */
  async readU32(buffer: GPUBuffer, count: number, offset = 0): Promise<Uint32Array> {
    return new Uint32Array(await this.read(buffer, count * 4, offset * 4));
  }

  /** Destroys the device; the process can then exit by itself. */
  destroy(): void {
    this.encoder = null;
    this.pass = null;
    this.bindGroups.clear();
    this.uniforms.clear();
    this.uniformEntries.clear();
    this.freeUniforms.clear();
    this.gpu.destroy();
  }
}
