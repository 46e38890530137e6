// The adapter's roofline, measured in the same run as the cases: its fp32 multiply-add peak
// (shaders/roofline.wgsl fma_peak: eight independent vec4 FMA chains an invocation, no memory
// traffic inside the loop) and its copy bandwidth (copy: 64 MiB read, 64 MiB written). A case of
// F FLOPs over B bytes cannot beat max(F / peak, B / bandwidth); its share of that bound says how
// far it is from what the adapter can do, whichever bound (compute or memory) applies.
import type { Runtime } from '../src/gpu/runtime.js';
import { defineFamily, grid1d } from '../src/gpu/registry.js';
import { measure, type MeasureOptions } from './measure.js';

/** shaders/roofline.wgsl: the peak and bandwidth probes. */
export const rooflineFamily = defineFamily('roofline', { fma_peak: ['uniform', 'read', 'read', 'rw'], copy: ['uniform', 'read', 'read', 'rw'] }, { n: 'u32', iters: 'u32', pad0: 'u32', pad1: 'u32' });

export interface Roofline {
  /** fp32 GFLOP/s of the FMA probe (an FMA counted as 2 FLOPs). */
  peakGflops: number;
  /** GB/s of the copy probe (bytes read + bytes written). */
  bandwidthGBs: number;
  /** FLOP/byte where the two bounds meet. */
  ridge: number;
  probe: { fmaInvocations: number; fmaIters: number; copyBytes: number };
}

/** The bound a case meets first, and the share of it the case reaches (1 = at the roofline). */
export function rooflineShare(r: Roofline, flop: number | null, bytes: number | null, ms: number): { bound: 'compute' | 'memory'; share: number } | null {
  if (!flop || !bytes) return null;
  const computeMs = flop / r.peakGflops / 1e6;
  const memoryMs = bytes / r.bandwidthGBs / 1e6;
  return computeMs >= memoryMs ? { bound: 'compute', share: computeMs / ms } : { bound: 'memory', share: memoryMs / ms };
}

/** Runs `op(reps)` so a sample lasts ≥ 20 ms, and returns the median ms of one op. */
async function timeOp(op: (reps: number) => Promise<void>, o: MeasureOptions): Promise<number> {
  await op(1); // compiles
  const t0 = performance.now();
  await op(1);
  const reps = Math.max(1, Math.min(200, Math.ceil(20 / Math.max(performance.now() - t0, 1e-3))));
  return (await measure('roofline', () => op(reps), o)).medianMs / reps;
}

export async function measureRoofline(rt: Runtime, o: MeasureOptions): Promise<Roofline> {
  // Enough invocations to fill a big GPU; a CPU adapter reaches its peak with far fewer.
  const invocations = rt.gpu.isSoftware ? 1 << 14 : 1 << 20;
  const iters = 1024;
  const a = rt.acquire(invocations * 16);
  const b = rt.acquire(invocations * 16);
  const out = rt.acquire(invocations * 16);
  rt.write(a, new Float32Array(invocations * 4).fill(0.5));
  rt.write(b, new Float32Array(invocations * 4).fill(0.25));
  const u = rooflineFamily.params({ n: invocations, iters });
  const fmaMs = await timeOp(async (reps) => {
    for (let r = 0; r < reps; r++) rt.dispatch(rooflineFamily.kernels.fma_peak, [u, a, b, out], grid1d(invocations));
    await rt.sync();
  }, o);
  [a, b, out].forEach((x) => rt.release(x));

  const copyBytes = 64 << 20;
  const n = copyBytes / 16;
  const src = rt.acquire(copyBytes);
  const dst = rt.acquire(copyBytes);
  const c = rooflineFamily.params({ n });
  const copyMs = await timeOp(async (reps) => {
    for (let r = 0; r < reps; r++) rt.dispatch(rooflineFamily.kernels.copy, [c, src, rt.scratch, dst], grid1d(n));
    await rt.sync();
  }, o);
  [src, dst].forEach((x) => rt.release(x));

  const peakGflops = (invocations * iters * 64) / fmaMs / 1e6;
  const bandwidthGBs = (2 * copyBytes) / copyMs / 1e6;
  return { peakGflops, bandwidthGBs, ridge: peakGflops / bandwidthGBs, probe: { fmaInvocations: invocations, fmaIters: iters, copyBytes } };
}
