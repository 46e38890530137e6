// Adapter and device: finding one, naming it, and turning GPU errors into exceptions.
import { globals } from 'webgpu';
import { adapterFlag, instanceFor, POWER_PREFERENCE, unmatchedAdapter, type AdapterSource } from './adapters.js';
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
  /**
   * The adapter: a number, its index in the list of `webgpu-dec info --adapters` (Dawn's
   * enumeration; 0 is the one opened when none is named), or a substring of its name (Dawn's
   * `adapter=` flag: the first adapter, in that order, whose name contains it; case matters); else
   * env WEBGPU_DEC_ADAPTER, read the same way. See adapters.ts for how a number is opened.
   */
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
    /**
     * The value of Dawn's `adapter=` flag it was opened with (a number resolved to the adapter's
     * full name), or null: Dawn's first adapter. Another Dawn instance given it opens the same
     * adapter (the benchmark's tfjs peer does).
     */
    readonly dawnAdapter: string | null = null,
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
    const source: AdapterSource = opts.adapter !== undefined ? 'option' : 'env';
    const wanted = (opts.adapter ?? process.env.WEBGPU_DEC_ADAPTER)?.trim();
    const robust = robustnessWanted(opts);
    const toggles = robust ? [] : ['enable-dawn-features=disable_robustness'];
    // A number becomes that adapter's full name (adapters.ts); a name goes to Dawn as it is.
    const name = wanted ? await adapterFlag(wanted, source, toggles) : undefined;
    const gpu = instanceFor([...(name ? [`adapter=${name}`] : []), ...toggles]);
    let adapter: GPUAdapter | null = null;
    try {
      adapter = await gpu.requestAdapter({ powerPreference: POWER_PREFERENCE });
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      // Dawn rejects a name no adapter contains with its list of adapters: bad input, one line naming them.
      throw (wanted && unmatchedAdapter(wanted, source, message)) || new NoAdapterError(wanted ? ` matching "${wanted}" (${message.split('\n').join(' ')})` : '');
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
    return new GpuDevice(adapter, device, info, subgroupSize, robust, name ?? null);
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

  /** Destroys the device; the process can then exit by itself (the instance stays: see instanceFor in adapters.ts). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.device.destroy();
  }
}
