// Errors raised by the GPU runtime. Each names what to do next.

export class GpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuError';
  }
}

export class NoAdapterError extends GpuError {
  constructor(detail: string) {
    super(
      `no WebGPU adapter found${detail}. On a machine without a GPU install a software Vulkan driver: ` +
        `sudo bash scripts/install-software-gpu.sh (Mesa lavapipe >= 25 and libvulkan1)`,
    );
    this.name = 'NoAdapterError';
  }
}

export class DeviceLostError extends GpuError {
  constructor(reason: string, message: string) {
    super(`GPU device lost (${reason}): ${message}`);
    this.name = 'DeviceLostError';
  }
}

/** Thrown for shape mismatches: names the op and both shapes. */
export class ShapeError extends Error {
  constructor(op: string, a: readonly number[], b: readonly number[], what = 'shapes do not match') {
    super(`${op}: ${what}: [${a.join(', ')}] vs [${b.join(', ')}]`);
    this.name = 'ShapeError';
  }
}
