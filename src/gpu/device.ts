// Adapter and device: finding one, naming it, and turning GPU errors into exceptions.
import { create, globals } from 'webgpu';
import { DeviceLostError, GpuError, NoAdapterError } from './errors.js';

Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, … as in a browser

/** The adapter as it names itself. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/** Which adapter to open. */
export interface DeviceOptions {
  /** Substring of the adapter's name (Dawn's `adapter=` flag); else env WEBGPU_DEC_ADAPTER. */
  adapter?: string;
  /**
   * Keep Dawn's robustness transform (bounds checks on every storage access). Off by default: every
   * kernel clamps or guards its own indices (test/robustness*.test.ts), so the checks only cost a
   * branch per access where a driver honours their absence (Mesa ≥ 25.1 per its release notes; on
   * lavapipe here no difference was measured either way). `true`, or env WEBGPU_DEC_ROBUSTNESS=1,
   * turns the checks back on.
   */
  robustness?: boolean;
}

/** Whether Dawn's robustness checks are kept: the option, else env WEBGPU_DEC_ROBUSTNESS (1/on). */
export function robustnessWanted(opts: DeviceOptions = {}): boolean {
  if (opts.robustness !== undefined) return opts.robustness;
  return /^(1|on|true|yes)$/i.test(process.env.WEBGPU_DEC_ROBUSTNESS ?? '');
}

/**
 * Dawn's instances, one per set of flags, kept for the life of the process. Why: dawn.node's async
 * runner, which every adapter, device and buffer shares, holds a raw pointer to the instance that
 * the object returned by create() owns (dawn/node/binding/AsyncRunner.cpp). Once that object was
 * garbage-collected while anything made from it was still referenced (a destroyed runtime a caller
 * keeps, a tensor kept past the end), a later GC or event poll touched freed memory and the process
 * died with SIGSEGV or an abort, at a moment that depended on the GC (test/runtime.test.ts shows it).
 * A kept instance does not keep the process alive: a process exits by itself once its devices are
 * destroyed. The flags take only a few values (adapter name, robustness), so few are ever made.
 */
const instances = new Map<string, GPU>();
function instanceFor(flags: string[]): GPU {
  const key = flags.join('\n');
  let gpu = instances.get(key);
  if (!gpu) instances.set(key, (gpu = create(flags)));
  return gpu;
}

/** A WebGPU device plus the state needed to report its errors and loss as exceptions. */
export class GpuDevice {
  private errors: string[] = [];
  private lostError: DeviceLostError | null = null;
  private destroyed = false;

  private constructor(
    readonly adapter: GPUAdapter,
    readonly device: GPUDevice,
    readonly info: AdapterDescription,
    /**
     * The subgroup size every pipeline gets, where the device has `subgroups` and the adapter
     * reports one fixed size (min = max: 8 on lavapipe with 256-bit vectors, 32 on NVIDIA); else
     * null, and the subgroup kernels are not used.
     */
    readonly subgroupSize: number | null,
    /** Whether Dawn's robustness checks are on (see DeviceOptions.robustness). */
    readonly robustness: boolean,
  ) {
    device.addEventListener('uncapturederror', (ev) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      const kind = err.constructor?.name ?? 'GPUError';
      this.errors.push(`${kind}: ${err.message}`);
    });
    void device.lost.then((info) => {
      if (!this.destroyed) this.lostError = new DeviceLostError(info.reason, info.message, this.name);
    });
  }

  /**
   * Opens the adapter (the named one, else the high-performance one) and a device with its largest
   * limits; NoAdapterError where there is none.
   */
  static async open(opts: DeviceOptions = {}): Promise<GpuDevice> {
    const wanted = opts.adapter ?? process.env.WEBGPU_DEC_ADAPTER;
    const robust = robustnessWanted(opts);
    const flags = [...(wanted ? [`adapter=${wanted}`] : []), ...(robust ? [] : ['enable-dawn-features=disable_robustness'])];
    const gpu = instanceFor(flags);
    let adapter: GPUAdapter | null = null;
    try {
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    } catch (e) {
      throw new NoAdapterError(wanted ? ` matching "${wanted}" (${(e as Error).message.split('\n').join(' ')})` : '');
    }
    if (!adapter) throw new NoAdapterError(wanted ? ` matching "${wanted}"` : '');
    const a = adapter.limits;
    // Timestamps (for the kernel profiler) and subgroups (for the subgroup matmul) where offered.
    const optional: GPUFeatureName[] = ['timestamp-query', 'subgroups'];
    const requiredFeatures = optional.filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
        maxBufferSize: a.maxBufferSize,
        maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
        maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupSizeY: a.maxComputeWorkgroupSizeY,
      },
    });
    const i = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
    const info = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description };
    const subgroupSize = device.features.has('subgroups') && i.subgroupMinSize && i.subgroupMinSize === i.subgroupMaxSize ? i.subgroupMinSize : null;
    return new GpuDevice(adapter, device, info, subgroupSize, robust);
  }

  /** One line naming the adapter, e.g. for metrics.json and benchmark tables. */
  get name(): string {
    const { vendor, architecture, device, description } = this.info;
    return [vendor, architecture, device, description].filter(Boolean).join(' / ');
  }

  /** A CPU implementation (lavapipe, SwiftShader): its threads are already busy with few workgroups. */
  get isSoftware(): boolean {
    const { vendor, architecture, device, description } = this.info;
    return /software|cpu|llvmpipe|lavapipe|swiftshader/i.test([vendor, architecture, device, description].join(' '));
  }

  /** Throws if the device was lost or a GPU error was reported since the last check. */
  check(context = ''): void {
    if (this.lostError) throw this.lostError;
    if (this.errors.length) {
      const msg = this.errors.splice(0).join('; ');
      throw new GpuError(`GPU error${context ? ` in ${context}` : ''}: ${msg}`);
    }
  }

  get isLost(): boolean {
    return this.lostError !== null;
  }

  /** Destroys the device; the process can then exit by itself (the instance stays: see instanceFor). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.device.destroy();
  }
}
