// A data file's bytes, whatever its format: read at an offset, or streamed from an offset, from the
// file itself or inflated from its .gz; the first bytes (the header) checked for the mistakes a
// name or a download makes before anything else is read. A .gz whose NPY or IDX header announces
// more than it holds, or far more than its size (a decompression bomb), is refused from the header
// alone, before anything is inflated; the guard reads those two headers' sizes itself, so that it
// stands below the readers.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';
import type { OptionName } from '../../io/errors.js';
import { DataError, knownFormats } from './row-file.js';

/** Bytes read from the start of a file to find its header. */
export const HEAD_BYTES = 1 << 16;
/** Compressed bytes a .gz's header is inflated from: 4 MiB of output at most (deflate's ratio is below 1:1032). */
const GZ_HEAD_BYTES = 1 << 12;
/** Bytes per read of a pass. */
const READ_BYTES = 1 << 20;

/** Why a path cannot be read, from Node's error code; `field` is the option that named the file. */
export function fsProblem(e: unknown, field: string): string | ((name: OptionName) => string) {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return (name) => `no such file; pass ${field === 'data' ? `${name('data')} mnist or a path to` : `${name(field)} the path of`} a ${knownFormats}`;
  }
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied; make the file readable (chmod +r) or copy it somewhere readable';
  if (code === 'EISDIR') return `is a directory; pass a ${knownFormats}`;
  return `cannot read it (${(e as Error).message}); check the path`;
}

/** The message for a gzip stream that fails to inflate. */
function gzipProblem(e: unknown): string {
  const msg = (e as Error).message;
  const what = /unexpected end of file/i.test(msg) ? 'the gzip stream is truncated or corrupt (unexpected end of file)' : `the gzip stream is corrupt (${msg})`;
  return `${what}; download or compress the file again`;
}

/** `length` bytes from `position` of a file (fewer where it ends), into `buf` where given (at least `length` bytes). */
export function readAt(file: string, position: number, length: number, buf = Buffer.alloc(length)): Buffer {
  const fd = openSync(file, 'r');
  try {
    return buf.subarray(0, readSync(fd, buf, 0, length, position));
  } finally {
    closeSync(fd);
  }
}

/** Where a file's bytes come from: the file itself, or the stream it inflates to. */
export interface Bytes {
  file: string;
  gz: boolean;
  /** The first bytes of the (inflated) content: enough for any header. */
  head: Buffer;
  /** Bytes of the file on disk. */
  size: number;
}

/**
 * The (inflated) bytes from offset `from` on, in pieces, each valid until the next is asked for; a
 * .gz that fails to inflate raises a DataError.
 */
export async function* stream(src: Bytes, from: number): AsyncGenerator<Buffer> {
  if (!src.gz) {
    // One buffer, refilled: the reader copies each piece out before it asks for the next. (A read
    // stream's fresh piece per read is garbage that glibc keeps in the process after it is freed.)
    const fh = await open(src.file, 'r');
    try {
      const buf = Buffer.allocUnsafe(READ_BYTES);
      for (let at = from; at < src.size; ) {
        const { bytesRead } = await fh.read(buf, 0, READ_BYTES, at);
        if (!bytesRead) return;
        at += bytesRead;
        yield buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
    return;
  }
  const raw = createReadStream(src.file, { highWaterMark: READ_BYTES });
  const inflated = raw.pipe(createGunzip({ chunkSize: READ_BYTES }));
  raw.on('error', (e) => inflated.destroy(e)); // pipe() does not pass a read error on
  let skip = from;
  let total = 0;
  try {
    for await (const piece of inflated as AsyncIterable<Buffer>) {
      total += piece.length;
      if (skip >= piece.length) {
        skip -= piece.length;
        continue;
      }
      yield piece.subarray(skip);
      skip = 0;
    }
  } catch (e) {
    throw new DataError(src.file, gzipProblem(e));
  } finally {
    // also where the reader stops early (it has all the rows it needs)
    inflated.destroy();
    raw.destroy();
  }
  if (total === 0) throw new DataError(src.file, 'decompresses to nothing (0 bytes); check that the export or download finished, or pass another file');
}

/**
 * The first bytes of a file of `size` bytes (inflated where it is .gz), checked for the mistakes a
 * name or a download makes.
 */
export function openBytes(file: string, field: string, size: number): Bytes {
  try {
    readAt(file, 0, 0); // permission
  } catch (e) {
    throw new DataError(file, fsProblem(e, field));
  }
  if (!size) throw new DataError(file, 'the file is empty (0 bytes); check that the export or download finished, or pass another file');
  const first = readAt(file, 0, HEAD_BYTES);
  const gzipped = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  if (!/\.gz$/i.test(file)) {
    // No valid NPY, IDX or CSV starts with these bytes: say what it is rather than "bad magic".
    if (gzipped) throw new DataError(file, `is gzip-compressed but not named .gz; rename it to ${file}.gz or decompress it (gunzip)`);
    return { file, gz: false, head: first, size };
  }
  if (!gzipped) throw new DataError(file, 'is not gzip-compressed despite its .gz name (bad magic); rename it without .gz if it is not compressed');
  // The header from the stream's first bytes (4 MiB of output at most, whatever the file
  // inflates to), so that a file announcing more than it holds, or more than the GPU memory budget
  // allows, is refused before anything is inflated; gzip's trailer gives the inflated size (mod
  // 2^32) to check it by. A damaged stream further on is found by the pass that reads it.
  const partial = () => gunzipSync(first.subarray(0, Math.max(0, Math.min(GZ_HEAD_BYTES, size - 8))), { finishFlush: zlibConstants.Z_SYNC_FLUSH }); // without the trailer
  let head: Buffer;
  if (size > GZ_HEAD_BYTES + 8) {
    try {
      head = partial();
    } catch (e) {
      throw new DataError(file, gzipProblem(e));
    }
  } else {
    // A small file whole (4 MiB of output at most): a stream cut short is found here. Where it fails,
    // a complete NPY or IDX header from its first bytes still gets its checks (which say more).
    try {
      head = gunzipSync(first);
    } catch (e) {
      let start: Buffer | null = null;
      try {
        start = partial();
      } catch {
        // the same damage: the first error says it
      }
      if (!start || !announced(start)) throw new DataError(file, gzipProblem(e));
      head = start;
    }
  }
  if (!head.length) throw new DataError(file, 'decompresses to nothing (0 bytes); check that the export or download finished, or pass another file');
  checkAnnounced(file, head, size >= 18 ? readAt(file, size - 4, 4).readUInt32LE(0) : null, size);
  return { file, gz: true, head, size };
}

/** The values and bytes an NPY or IDX header announces, from the file's first bytes; null if unreadable. */
function announced(head: Buffer): { dims: number[]; values: number; bytes: number } | null {
  if (head.length >= 10 && head.toString('latin1', 0, 6) === '\x93NUMPY') {
    const headerStart = head[6] === 1 ? 10 : 12;
    if (head.length < headerStart) return null;
    const start = headerStart + (head[6] === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8));
    const header = head.toString('latin1', headerStart, Math.min(start, head.length));
    const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
    const size = /'descr':\s*'[<>|=][a-zA-Z](\d+)'/.exec(header);
    if (!shape || !size) return null;
    const dims = shape[1].split(',').map((v) => v.trim()).filter(Boolean).map(Number);
    const values = dims.reduce((a, b) => a * b, 1);
    return { dims, values, bytes: start + values * Number(size[1]) };
  }
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[3] > 0 && head.length >= 4 + 4 * head[3]) {
    const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[head[2]];
    if (!size) return null;
    const dims = Array.from({ length: head[3] }, (_, i) => head.readUInt32BE(4 + 4 * i));
    const values = dims.reduce((a, b) => a * b, 1);
    return { dims, values, bytes: 4 + 4 * dims.length + values * size };
  }
  return null;
}

/**
 * Inflated bytes per byte of gzip beyond which a .gz is refused: only a decompression bomb or
 * constant data compress further. Apache POI refuses zip entries past the same ratio by default
 * (ZipSecureFile's minimum inflate ratio, 0.01).
 */
const MAX_INFLATE_RATIO = 100;

/**
 * Refuses, from the header alone, an NPY or IDX .gz of `compressed` bytes whose size field
 * (`inflated`, mod 2^32) is smaller than the header and the values it announces (truncated or
 * damaged), or whose header announces more than MAX_INFLATE_RATIO times its size: found before
 * anything is inflated. (An uncompressed file's size is checked by its reader, which says how much
 * is missing; a CSV .gz, without a header to announce its size, is checked as it streams.)
 */
function checkAnnounced(file: string, head: Buffer, inflated: number | null, compressed: number): void {
  const a = announced(head);
  if (a && inflated !== null && a.bytes < 2 ** 32 && inflated < a.bytes) {
    const shape = a.dims.join('×');
    throw new DataError(file, `the header announces ${shape} values (${a.bytes} bytes) but gzip's size field says ${inflated} bytes: the file is truncated or damaged; download or compress the file again`);
  }
  if (a && a.bytes > MAX_INFLATE_RATIO * compressed) {
    throw new DataError(file, `would inflate to ${a.bytes} bytes from ${compressed} (more than ${MAX_INFLATE_RATIO}:1; its header announces ${a.dims.join('×')} values), as a decompression bomb or constant data do; if it is real data, decompress it (gunzip) and pass that file`);
  }
}
