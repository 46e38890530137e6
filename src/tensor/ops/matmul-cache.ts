// The measured product-kernel choice, cached on disk so that only the first run on an adapter pays
// for the measurement: one small JSON file in the user's cache folder, holding an entry per adapter,
// driver and package version (a new driver or a new release measures again). Written atomically
// (temporary name, then rename); a damaged file is ignored and rewritten. It is read with a size
// bound, and only where it is a regular file (or a link to one): a link to /dev/zero or a FIFO would
// otherwise hang every command at its first product; such a path is ignored and left as it is.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
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

/** Bytes the cache file may have: an entry takes about a kilobyte, so a thousand adapters fit. */
export const MAX_CACHE_BYTES = 1 << 20;

/** What a path that is not a regular file is, as a message names it. */
function notRegular(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * The file's text, read up to MAX_CACHE_BYTES (more: null, damaged); `refused`: what the path is
 * where it is not a regular file (it is not opened: opening a FIFO waits for a writer).
 */
function readBounded(file: string): { text: string | null; refused?: string } {
  const what = notRegular(statSync(file));
  if (what) return { text: null, refused: what };
  // O_NONBLOCK: should the path become a FIFO between the stat and the open, the open does not wait
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const again = notRegular(fstatSync(fd));
    if (again) return { text: null, refused: again };
    const buf = Buffer.alloc(MAX_CACHE_BYTES + 1);
    let got = 0;
    for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, null)) > 0; ) got += n;
    return { text: got > MAX_CACHE_BYTES ? null : buf.toString('utf8', 0, got) };
  } finally {
    closeSync(fd);
  }
}

/**
 * The file's entries, or null where it is missing, damaged (unreadable, over MAX_CACHE_BYTES, not
 * JSON, not ours) or refused (not a regular file: `refused` says what it is).
 */
function readEntries(file: string): { entries: Record<string, CacheEntry> | null; damaged: boolean; refused?: string } {
  try {
    statSync(file);
  } catch {
    return { entries: null, damaged: false }; // missing (or a dangling link): written anew
  }
  try {
    const { text, refused } = readBounded(file);
    if (refused) return { entries: null, damaged: false, refused };
    if (text === null) return { entries: null, damaged: true };
    const f = JSON.parse(text) as CacheFile;
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
  /**
   * 'hit'; 'missing' (no file, or no entry for this adapter); 'damaged' (ignored; rewritten on
   * save); 'refused' (not a regular file: ignored, and left as it is: never written).
   */
  status: 'hit' | 'missing' | 'damaged' | 'refused';
  /** Where refused: what the path is (e.g. "a character device"). */
  refused?: string;
  /** When the entry was measured (ISO date), on a hit. */
  measured?: string;
  file: string;
}

/** This adapter's cached choice, if any. */
export function readCachedChoice(gpu: Pick<GpuDevice, 'info' | 'subgroupSize'>): CacheLookup {
  const file = cacheFile();
  const { entries, damaged, refused } = readEntries(file);
  if (refused) return { choice: null, status: 'refused', refused, file };
  if (!entries) return { choice: null, status: damaged ? 'damaged' : 'missing', file };
  const e = entries[adapterKey(gpu)];
  if (!e) return { choice: null, status: 'missing', file };
  const choice = parseChoice(e, gpu, 'cache');
  if (!choice) return { choice: null, status: 'damaged', file };
  return { choice, status: 'hit', measured: e.measured, file };
}

/**
 * Saves this adapter's measured choice, keeping the other adapters' entries (a damaged file is
 * replaced). Returns the file, or null where the folder cannot be written or the path is not a
 * regular file (the choice then lives only as long as the process: a read-only home, or a cache
 * path linked somewhere odd, is no reason to fail a run).
 */
export function writeCachedChoice(gpu: Pick<GpuDevice, 'info' | 'subgroupSize'>, choice: ProductChoice): string | null {
  const file = cacheFile();
  const read = readEntries(file);
  if (read.refused) return null; // a device, a FIFO…: not ours to replace
  const entries = read.entries ?? {};
  entries[adapterKey(gpu)] = { measured: new Date().toISOString(), classes: choice.classes, ...(choice.refused ? { refused: choice.refused } : {}) };
  try {
    return writeFileAtomic(file, JSON.stringify({ format: FORMAT, entries } satisfies CacheFile, null, 2) + '\n');
  } catch {
    return null;
  }
}
