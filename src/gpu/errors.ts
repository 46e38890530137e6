// Errors raised by the GPU runtime. Each names what to do next.

/** A GPU error reported by the device (validation, out of memory), named with the kernels of the submit. */
export class GpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuError';
  }
}

/** No WebGPU adapter: the message says how to install a software one. */
export class NoAdapterError extends GpuError {
  constructor(detail: string) {
    super(
      `no WebGPU adapter found${detail}. On a machine without a GPU install a software Vulkan driver: ` +
        `sudo bash scripts/install-software-gpu.sh (Mesa lavapipe >= 25 and libvulkan1)`,
    );
    this.name = 'NoAdapterError';
  }
}

/**
 * The device was lost (driver reset, an Xid error, out of memory), named with its adapter and
 * Dawn's reason, on one line (Dawn's message may span several). The command line exits 3 for it,
 * a code of its own: a scheduler or a wrapper script can tell a lost GPU (retry, maybe elsewhere,
 * with `train --resume`) from bad input (2) and from any other failure (1).
 */
export class DeviceLostError extends GpuError {
  readonly exitCode = 3;
  constructor(
    /** Dawn's reason: `destroyed` (the device was destroyed, not by us) or `unknown` (a reset, a driver fault). */
    readonly reason: string,
    message: string,
    /** The adapter's name, as `GpuDevice.name` gives it. */
    readonly adapter = '',
  ) {
    const detail = message.replace(/\s*\n\s*/g, ' ').trim();
    super(`GPU device lost${adapter ? ` on adapter "${adapter}"` : ''} (${reason}${detail ? `: ${detail}` : ''})`);
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
