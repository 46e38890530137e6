// The measured product-kernel choice, cached on disk so that only the first run on an adapter pays
// for the measurement: one small JSON file in the user's cache folder, holding an entry per adapter,
// driver and package version (a new driver or a new release measures again). Written atomically
// (temporary name, then rename); a damaged file is ignored and rewritten.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import { packageVersion } from '../../io/version.js';
import type { GpuDevice } from '../../gpu/device.js';
import { parseChoice, type ProductChoice } from './matmul-classes.js';

// 2: every kernel checked against float64 before the choice (matmul-check.ts); a /1 file's entries
// were not, so they are measured (and checked) again.
const FORMAT = 'webgpu-dec-kernels/2';

/**
 * The cache folder: env WEBGPU_DEC_CACHE_DIR, else $XDG_CACHE_HOME/webgpu-dec, else
 * ~/.cache/webgpu-dec.
 */
export function cacheDir(): string {
  if (process.env.WEBGPU_DEC_CACHE_DIR) return process.env.WEBGPU_DEC_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'webgpu-dec');
}

/** The cache file. */
export function cacheFile(): string {
  return join(cacheDir(), 'kernels.json');
}

/**
 * What identifies the adapter, its driver and this package: the adapter's vendor, architecture,
 * device and description (Dawn puts the driver's name and version there, e.g. "llvmpipe: Mesa
 * 25.0.7 (LLVM 15.0.6)", "NVIDIA: 580.159.04"), its subgroup size, and the package version.
 */
export function adapterKey(gpu: Pick<GpuDevice, 'info' | 'subgroupSize'>): string {
  const i = gpu.info;
  return [i.vendor, i.architecture, i.device, i.description, `subgroup ${gpu.subgroupSize ?? 'none'}`, `webgpu-dec ${packageVersion()}`].join(' | ');
}

interface CacheEntry {
  measured: string;
  classes: ProductChoice['classes'];
  refused?: ProductChoice['refused'];
}

interface CacheFile {
  format: string;
  entries: Record<string, CacheEntry>;
}

/** The file's entries, or null where it is missing or damaged (unreadable, not JSON, not ours). */
function readEntries(file: string): { entries: Record<string, CacheEntry> | null; damaged: boolean } {
  if (!existsSync(file)) return { entries: null, damaged: false };
  try {
    const f = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (f.format !== FORMAT) return { entries: null, damaged: !String(f.format).startsWith('webgpu-dec-kernels/') };
    if (!f.entries || typeof f.entries !== 'object') return { entries: null, damaged: true };
    return { entries: f.entries, damaged: false };
  } catch {
    return { entries: null, damaged: true };
  }
}

/** What the cache holds for this adapter. */
export interface CacheLookup {
  choice: ProductChoice | null;
  /** 'hit'; 'missing' (no file, or no entry for this adapter); 'damaged' (ignored; rewritten on save). */
  status: 'hit' | 'missing' | 'damaged';
  /** When the entry was measured (ISO date), on a hit. */
  measured?: string;
  file: string;
}

/** This adapter's cached choice, if any. */
export function readCachedChoice(gpu: Pick<GpuDevice, 'info' | 'subgroupSize'>): CacheLookup {
  const file = cacheFile();
  const { entries, damaged } = readEntries(file);
  if (!entries) return { choice: null, status: damaged ? 'damaged' : 'missing', file };
  const e = entries[adapterKey(gpu)];
  if (!e) return { choice: null, status: 'missing', file };
  const choice = parseChoice(e, gpu, 'cache');
  if (!choice) return { choice: null, status: 'damaged', file };
  return { choice, status: 'hit', measured: e.measured, file };
}

/**
 * Saves this adapter's measured choice, keeping the other adapters' entries (a damaged file is
 * replaced). Returns the file, or null where the folder cannot be written (the choice then lives
 * only as long as the process: a read-only home is no reason to fail a run).
 */
export function writeCachedChoice(gpu: Pick<GpuDevice, 'info' | 'subgroupSize'>, choice: ProductChoice): string | null {
  const file = cacheFile();
  const entries = readEntries(file).entries ?? {};
  entries[adapterKey(gpu)] = { measured: new Date().toISOString(), classes: choice.classes, ...(choice.refused ? { refused: choice.refused } : {}) };
  try {
    return writeFileAtomic(file, JSON.stringify({ format: FORMAT, entries } satisfies CacheFile, null, 2) + '\n');
  } catch {
    return null;
  }
}
