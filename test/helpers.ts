// Shared test helpers: one runtime per test file, seeded data, float64 references, expectClose.
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, expect } from 'vitest';
import { Runtime } from '../src/gpu/runtime.js';
import type { Dataset } from '../src/data/dataset.js';
import { resolveConfig, type Overrides, type RunConfig } from '../src/run/config.js';
import { gaussian, makeRng } from '../src/random/rng.js';
export { matmulRef } from './reference.js';

/** Opens one device for the file and destroys it afterwards. */
export function useRuntime(): () => Runtime {
  let rt: Runtime | null = null;
  beforeAll(async () => {
    rt = await Runtime.create();
  });
  afterAll(() => rt?.destroy());
  return () => rt!;
}

export function randomArray(n: number, seed: string, lo = -1, hi = 1): Float32Array {
  const rng = seedrandom(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng();
  return a;
}

/**
 * |ours − ref| ≤ atol + rtol·|ref| elementwise; the message names the worst element.
 */
export function expectClose(ours: ArrayLike<number>, ref: ArrayLike<number>, tol: { atol: number; rtol: number }, what = ''): void {
  expect(ours.length, `${what} length`).toBe(ref.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < ref.length; i++) {
    const excess = Math.abs(ours[i] - ref[i]) - (tol.atol + tol.rtol * Math.abs(ref[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst}: ours ${ours[worst]} vs reference ${ref[worst]} (atol ${tol.atol}, rtol ${tol.rtol})`);
  }
}

/** A run configuration for `ds` as the CLI resolves it (quick preset + overrides). */
export function configFor(ds: Dataset, o: Overrides): RunConfig {
  return resolveConfig(o, { data: 'mnist', labels: null, subset: ds.n, rows: ds.n, d: ds.d, sha256: '' }, ds.n);
}

/** A safetensors file laid out by hand: 8-byte LE header length, JSON header, raw LE float32 data. */
export function handBuiltModel(tensors: [string, number[], Float32Array][], metadata: Record<string, string>): Uint8Array {
  let offset = 0;
  const entries = tensors.map(([name, shape, data]) => {
    const e = `"${name}":{"dtype":"F32","shape":[${shape.join(',')}],"data_offsets":[${offset},${offset + data.byteLength}]}`;
    offset += data.byteLength;
    return e;
  });
  const meta = Object.entries(metadata).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
  const header = Buffer.from(`{${[`"__metadata__":{${meta}}`, ...entries].join(',')}}`, 'utf8');
  const out = Buffer.alloc(8 + header.length + offset);
  out.writeBigUInt64LE(BigInt(header.length), 0);
  header.copy(out, 8);
  let at = 8 + header.length;
  for (const [, , data] of tensors) for (const v of data) at = out.writeFloatLE(v, at);
  return out;
}

/** k Gaussian blobs in d dimensions, m points each, in class order (as a file might hold them). */
export function blobs(k: number, d: number, m: number, seed: number): Dataset {
  const rng = makeRng(seed);
  const x = new Float32Array(k * m * d);
  const labels = new Int32Array(k * m);
  for (let j = 0; j < k; j++) {
    const centre = Array.from({ length: d }, () => 4 * rng() - 2);
    const noise = gaussian(m * d, 0.4, rng);
    for (let i = 0; i < m; i++) {
      for (let t = 0; t < d; t++) x[(j * m + i) * d + t] = centre[t] + noise[i * d + t];
      labels[j * m + i] = j;
    }
  }
  return { name: 'blobs', x, n: k * m, d, labels };
}
