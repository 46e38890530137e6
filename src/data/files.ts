// Readers for the user's own data: NPY (float32/float64/uint8/int… , C order, 1-D or 2-D), CSV
// (numbers, optional header row), IDX (MNIST's format), each optionally .gz. A file is opened from
// its first bytes (the header, checked before anything else is read or inflated) and then read in
// passes of row blocks: uncompressed NPY and IDX from the data's offset, .gz inflated as a stream,
// CSV parsed block by block. So host memory holds one block, whatever the file's size. Bad input
// raises a DataError: one line naming the file, what is wrong and what to do.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';
import { OptionError, type OptionName } from '../io/errors.js';

/**
 * A data file that cannot be used: the message names the file, what is wrong and what to do (where
 * that names an option, `what` is given the way to name it).
 */
export class DataError extends OptionError {
  constructor(file: string, what: string | ((name: OptionName) => string)) {
    super((name) => `${file}: ${typeof what === 'string' ? what : what(name)}`);
    this.name = 'DataError';
  }
}

/** A numeric file read whole: rows × cols values (f32, row-major). For labels and small files. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
  /** CSV only: the line (from 1) each row came from, so that later checks name what an editor shows. */
  lines?: number[];
  /** IDX with 3 dimensions: each row is an image of height × width. */
  image?: [number, number];
}

/**
 * One block of a pass: rows [start, start + rows) of the file as float32 (`x` holds `rows · cols`
 * values; it is reused by the next block); `lines`: CSV only, the line (from 1) of each row.
 */
export type BlockVisitor = (start: number, x: Float32Array, rows: number, lines?: Int32Array) => void | Promise<void>;

/** A data file, opened: what its header says, and passes over its rows. */
export interface RowFile {
  file: string;
  format: 'npy' | 'idx' | 'csv';
  /** Rows the header announces (NPY, IDX); CSV: null until a pass has counted them. */
  rows: number | null;
  /** Values per row (NPY, IDX); CSV: null until a pass has read the first line (set before its first block). */
  cols: number | null;
  /** IDX with 3 dimensions: each row is an image of height × width. */
  image?: [number, number];
  /** The values are unsigned 8-bit integers (IDX type 0x08, NPY uint8): they go to the GPU packed four to a word. */
  u8?: boolean;
  /**
   * Reads every row in file order, in blocks of `blockBytes` of float32 (at least one row), awaiting
   * `visit` between blocks; resolves to the rows read.
   */
  pass(blockBytes: number, visit: BlockVisitor): Promise<number>;
  /**
   * Rows [first, first + count) as float32 into `out`, read at their offset (an uncompressed NPY or
   * IDX only: a .gz or a CSV has no offsets to read rows at, and lacks this).
   */
  readRows?(first: number, count: number, out: Float32Array): void;
}

const formats = '.npy, .csv or .idx file (optionally .gz)';
/** Bytes read from the start of a file to find its header. */
const HEAD_BYTES = 1 << 16;
/** Compressed bytes a .gz's header is inflated from: 4 MiB of output at most (deflate's ratio is below 1:1032). */
const GZ_HEAD_BYTES = 1 << 12;
/** Bytes per read of a pass. */
const READ_BYTES = 1 << 20;

/** Why a path cannot be read, from Node's error code; `field` is the option that named the file. */
function fsProblem(e: unknown, field: string): string | ((name: OptionName) => string) {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return (name) => `no such file; pass ${field === 'data' ? `${name('data')} mnist or a path to` : `${name(field)} the path of`} a ${formats}`;
  }
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied; make the file readable (chmod +r) or copy it somewhere readable';
  if (code === 'EISDIR') return `is a directory; pass a ${formats}`;
  return `cannot read it (${(e as Error).message}); check the path`;
}

/** The message for a gzip stream that fails to inflate. */
function gzipProblem(e: unknown): string {
  const msg = (e as Error).message;
  const what = /unexpected end of file/i.test(msg) ? 'the gzip stream is truncated or corrupt (unexpected end of file)' : `the gzip stream is corrupt (${msg})`;
  return `${what}; download or compress the file again`;
}

/** `length` bytes from `position` of a file (fewer where it ends), into `buf` where given (at least `length` bytes). */
function readAt(file: string, position: number, length: number, buf = Buffer.alloc(length)): Buffer {
  const fd = openSync(file, 'r');
  try {
    return buf.subarray(0, readSync(fd, buf, 0, length, position));
  } finally {
    closeSync(fd);
  }
}

/** Where a file's bytes come from: the file itself, or the stream it inflates to. */
interface Bytes {
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
async function* stream(src: Bytes, from: number): AsyncGenerator<Buffer> {
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
function openBytes(file: string, field: string, size: number): Bytes {
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

/** Opens a data file from its first bytes; `field`: the option that named the file. */
export function openRows(file: string, field = 'data'): RowFile {
  const name = file.replace(/\.gz$/i, '').toLowerCase();
  const kind = name.endsWith('.npy') ? 'npy' : name.endsWith('.csv') ? 'csv' : /\.idx\d?(-ubyte)?$|-ubyte$/.test(name) ? 'idx' : null;
  // A missing file or a directory first: likelier mistakes than the extension.
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch (e) {
    throw new DataError(file, fsProblem(e, field));
  }
  if (st.isDirectory()) throw new DataError(file, `is a directory; pass a ${formats}`);
  if (!kind) {
    const ext = extname(name);
    const what = ext ? `unknown file type "${ext}"` : 'no file type in the name';
    throw new DataError(file, `${what}; convert the data to a ${formats} and name it so`);
  }
  const src = openBytes(file, field, Number(st.size));
  if (kind === 'npy') return openNpy(src);
  if (kind === 'idx') return openIdx(src);
  return openCsv(src);
}

/** A whole file in memory (labels, small files): one pass into one array. */
export async function readMatrix(file: string, field = 'data'): Promise<Matrix> {
  const f = openRows(file, field);
  const parts: Float32Array[] = [];
  const lines: number[] = [];
  const rows = await f.pass(1 << 22, (_, x, n, l) => {
    parts.push(x.slice(0, n * f.cols!));
    if (l) for (let i = 0; i < n; i++) lines.push(l[i]);
  });
  const data = new Float32Array(rows * (f.cols ?? 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, rows, cols: f.cols ?? 0, image: f.image, ...(f.format === 'csv' ? { lines } : {}) };
}

// ---- NPY and IDX: fixed-width values after a header --------------------------------------------

/** How a fixed-width file's values are laid out: `decode` turns `count` values of `bytes` into floats. */
interface Fixed {
  src: Bytes;
  format: 'npy' | 'idx';
  rows: number;
  cols: number;
  image?: [number, number];
  /** Where the values start in the (inflated) content. */
  start: number;
  size: number;
  u8?: boolean;
  /** What the truncation message names the layout by, and what it tells to do. */
  layout: string;
  again: string;
  decode(bytes: Buffer, count: number, out: Float32Array, firstValue: number): void;
}

/** A fixed-width file as a RowFile: its data read block by block, from its offset. */
function fixedRows(f: Fixed): RowFile {
  const need = f.rows * f.cols * f.size;
  const truncated = (got: number) =>
    new DataError(f.src.file, `truncated: the header says ${f.layout} (${need} bytes of data) but only ${got} follow it; ${f.again}`);
  if (!f.src.gz && f.src.size < f.start + need) throw truncated(f.src.size - f.start);
  const rowBytes = f.cols * f.size;
  let buf = Buffer.alloc(0); // kept between reads, grown to the longest: out-of-core windows read many stretches
  const readRows = (first: number, count: number, out: Float32Array) => {
    if (first < 0 || count < 0 || first + count > f.rows) throw new RangeError(`rows [${first}, ${first + count}) outside [0, ${f.rows})`);
    if (buf.length < count * rowBytes) buf = Buffer.alloc(count * rowBytes);
    const bytes = readAt(f.src.file, f.start + first * rowBytes, count * rowBytes, buf);
    if (bytes.length < count * rowBytes) throw new DataError(f.src.file, 'it was cut short since it was checked; run again on a file that stays put');
    f.decode(bytes, count * f.cols, out, first * f.cols);
  };
  return {
    file: f.src.file,
    format: f.format,
    rows: f.rows,
    cols: f.cols,
    image: f.image,
    u8: f.u8,
    ...(f.src.gz ? {} : { readRows }),
    async pass(blockBytes, visit) {
      const per = Math.max(1, Math.min(Math.floor(blockBytes / (4 * f.cols)), f.rows));
      const block = Buffer.alloc(per * rowBytes);
      const out = new Float32Array(per * f.cols);
      let fill = 0;
      let row = 0;
      const emit = async (rows: number) => {
        f.decode(block, rows * f.cols, out, row * f.cols);
        await visit(row, out, rows);
        row += rows;
        fill = 0;
      };
      let got = 0;
      if (need > 0) {
        for await (const piece of stream(f.src, f.start)) {
          for (let at = 0; at < piece.length && got < need; ) {
            const take = Math.min(piece.length - at, block.length - fill, need - got);
            piece.copy(block, fill, at, at + take);
            [fill, at, got] = [fill + take, at + take, got + take];
            if (fill === block.length || got === need) await emit(fill / rowBytes);
          }
          if (got === need && !f.src.gz) break; // a .gz is read to its end: gunzip checks its CRC and size there
        }
      }
      if (got < need) throw truncated(got);
      return f.rows;
    },
  };
}

/** float64 beyond float32's range would show up later as an Infinity that is not in the file. */
function checkRange(file: string, v: number, stored: number, i: number, cols: number): void {
  if (!Number.isFinite(stored) && Number.isFinite(v)) {
    const at = `row ${Math.floor(i / cols)}, column ${i % cols} (counting from 0)`;
    throw new DataError(file, `value at ${at} is ${v}, beyond float32's range; rescale the data`);
  }
}

/** A decoder from a per-value reader (`read(view, byteOffset)`), with the float32 range check. */
function decoder(file: string, size: number, cols: number, read: (b: DataView, o: number) => number): Fixed['decode'] {
  if (size === 1) {
    return (bytes, count, out) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, count);
      for (let i = 0; i < count; i++) out[i] = read(view, i);
    };
  }
  return (bytes, count, out, first) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, count * size);
    for (let i = 0; i < count; i++) {
      const v = read(view, i * size);
      out[i] = v;
      checkRange(file, v, out[i], first + i, cols);
    }
  };
}

const npyTypes: Record<string, (b: DataView, o: number, le: boolean) => number> = {
  f4: (b, o, le) => b.getFloat32(o, le),
  f8: (b, o, le) => b.getFloat64(o, le),
  u1: (b, o) => b.getUint8(o),
  i1: (b, o) => b.getInt8(o),
  u2: (b, o, le) => b.getUint16(o, le),
  i2: (b, o, le) => b.getInt16(o, le),
  i4: (b, o, le) => b.getInt32(o, le),
  u4: (b, o, le) => b.getUint32(o, le),
  i8: (b, o, le) => Number(b.getBigInt64(o, le)),
  u8: (b, o, le) => Number(b.getBigUint64(o, le)),
};
const npySupported = 'float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64';

/** numpy's name for a dtype code, e.g. c8 → complex64, for the message that rejects it. */
function npyTypeName(kind: string, size: number): string {
  const numeric: Record<string, string> = { f: 'float', i: 'int', u: 'uint', c: 'complex' };
  const bits = numeric[kind];
  if (bits) return `${bits}${size * 8}`;
  const other: Record<string, string> = { b: 'bool', U: 'unicode string', S: 'byte string', O: 'Python object', M: 'datetime64', m: 'timedelta64' };
  return other[kind] ?? 'raw bytes';
}

function openNpy(src: Bytes): RowFile {
  const { file, head: buf } = src;
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') {
    throw new DataError(file, 'not an NPY file (bad magic); save the array with numpy.save');
  }
  const major = buf[6];
  const headerStart = major === 1 ? 10 : 12;
  const saveAgain = 'save the array again with numpy.save';
  if (buf.length < headerStart) throw new DataError(file, `truncated: the file ends inside the NPY header; ${saveAgain}`);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = headerStart + headerLen;
  if (buf.length < start) {
    const what = buf.length < HEAD_BYTES ? 'truncated: the file ends inside the NPY header' : `an NPY header of ${headerLen} bytes is more than this reader takes (${HEAD_BYTES - headerStart})`;
    throw new DataError(file, `${what}; ${saveAgain}`);
  }
  const header = buf.toString(major >= 3 ? 'utf8' : 'latin1', headerStart, start);
  const descrField = /'descr':\s*(?:'([^']*)'|(\[))/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descrField || !shape) throw new DataError(file, `unreadable NPY header: ${header.trim()}; ${saveAgain}`);
  if (descrField[2]) {
    throw new DataError(file, 'a structured (record) array is not supported; save a plain 2-D numeric array (e.g. numpy.column_stack of the fields)');
  }
  if (/'fortran_order':\s*True/.test(header)) {
    throw new DataError(file, 'Fortran-order (column-major) arrays are not supported; save numpy.ascontiguousarray(arr) instead');
  }
  const descr = descrField[1];
  const dt = /^([<>|=])([a-zA-Z])(\d*)$/.exec(descr);
  const read = dt ? npyTypes[dt[2] + dt[3]] : undefined;
  if (!dt || !read) {
    const named = dt ? ` (${npyTypeName(dt[2], Number(dt[3]))})` : '';
    throw new DataError(file, `dtype '${descr}'${named} is not supported; supported: ${npySupported}; convert with arr.astype(numpy.float32)`);
  }
  const dims = shape[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DataError(file, `unreadable NPY header: ${header.trim()}; ${saveAgain}`);
  }
  if (dims.length < 1 || dims.length > 2) {
    const what = dims.length ? `shape (${dims.join(', ')}) is ${dims.length}-D` : 'a single number (shape ()) is not a data set';
    throw new DataError(file, `${what}; save a 2-D array (points × features), e.g. arr.reshape(len(arr), -1), or a 1-D array of labels`);
  }
  const [rows, cols = 1] = dims;
  const size = Number(dt[3]);
  const le = dt[1] !== '>';
  return fixedRows({
    src, format: 'npy', rows, cols, start, size, u8: dt[2] + dt[3] === 'u1',
    layout: `${rows}×${cols} ${descr}`, again: saveAgain,
    decode: decoder(file, size, cols, (b, o) => read(b, o, le)),
  });
}

function openIdx(src: Bytes): RowFile {
  const { file, head: buf } = src;
  if (buf[0] !== 0 || buf[1] !== 0) {
    const fix = 'pass MNIST-style files such as train-images-idx3-ubyte(.gz)';
    throw new DataError(file, `not an IDX file (bad magic: it must start with two zero bytes); ${fix}`);
  }
  const type = buf[2];
  const ndim = buf[3];
  const again = 'download or copy the file again';
  if (buf.length < 4) throw new DataError(file, `truncated: the file ends inside the IDX header; ${again}`);
  if (ndim === 0) throw new DataError(file, `an IDX file with 0 dimensions holds no data; ${again}`);
  const start = 4 + 4 * ndim;
  if (buf.length < start) throw new DataError(file, `truncated: the file ends inside the IDX header; ${again}`);
  const dims = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const readers: Record<number, [number, (b: DataView, o: number) => number]> = {
    0x08: [1, (b, o) => b.getUint8(o)],
    0x09: [1, (b, o) => b.getInt8(o)],
    0x0b: [2, (b, o) => b.getInt16(o)],
    0x0c: [4, (b, o) => b.getInt32(o)],
    0x0d: [4, (b, o) => b.getFloat32(o)],
    0x0e: [8, (b, o) => b.getFloat64(o)],
  };
  const r = readers[type];
  if (!r) {
    const hex = `0x${type.toString(16).padStart(2, '0')}`;
    throw new DataError(file, `IDX data type ${hex} is not supported (known: 0x08, 0x09, 0x0b-0x0e); convert the data to .npy`);
  }
  const cols = dims.slice(1).reduce((a, b) => a * b, 1);
  return fixedRows({
    src, format: 'idx', rows: dims[0], cols, start, size: r[0], u8: type === 0x08,
    image: dims.length === 3 ? [dims[1], dims[2]] : undefined,
    layout: dims.join('×'), again,
    decode: decoder(file, r[0], cols, r[1]),
  });
}

// ---- CSV: lines of comma-separated numbers, an optional header row -------------------------------

/** NaN, inf, infinity (any case, signed): numbers to Number() or not, missing values to the user. */
const nonFinite = /^\s*[+-]?(nan|inf|infinity)\s*$/i;

function openCsv(src: Bytes): RowFile {
  const { file } = src;
  const f: RowFile = {
    file,
    format: 'csv',
    rows: null,
    cols: null,
    async pass(blockBytes, visit) {
      let cols = 0;
      let firstLine = 0; // the line (from 1) that set the column count; 0 before it
      let x = new Float32Array(0);
      let lines = new Int32Array(0);
      let fill = 0;
      let rows = 0;
      let lineNo = 0;
      const row = async (t: string) => {
        lineNo++;
        if (t.endsWith('\r')) t = t.slice(0, -1);
        if (t.trim() === '') return;
        const cells = t.split(',');
        if (!firstLine) {
          firstLine = lineNo;
          cols = f.cols = cells.length;
          const per = Math.max(1, Math.floor(blockBytes / (4 * cols)));
          [x, lines] = [new Float32Array(per * cols), new Int32Array(per)];
          if (cells.some((c) => c.trim() !== '' && Number.isNaN(Number(c)) && !nonFinite.test(c))) return; // a header row
        }
        if (cells.length !== cols) {
          const what = `line ${lineNo} has ${cells.length} fields, expected ${cols} (as on line ${firstLine})`;
          throw new DataError(file, `${what}; every row needs the same number of comma-separated values`);
        }
        for (let j = 0; j < cols; j++) {
          const c = cells[j];
          const v = Number(c);
          if (c.trim() !== '' && Number.isFinite(v)) {
            x[fill * cols + j] = v;
            continue;
          }
          const cell = (c.length > 40 ? `${c.slice(0, 40)}…` : c).replace(/\t/g, '\\t'); // the message stays one plain line
          const fix =
            c.trim() === '' || nonFinite.test(c) ? 'drop or impute missing values first'
            : /[;\t]/.test(c) ? 'separate the values with commas'
            : 'every cell below the header must be a number';
          throw new DataError(file, `line ${lineNo}, column ${j + 1}: "${cell}" is not a finite number; ${fix}`);
        }
        lines[fill++] = lineNo;
        if (fill === lines.length) {
          await visit(rows, x, fill, lines);
          [rows, fill] = [rows + fill, 0];
        }
      };
      const text = new StringDecoder('utf8');
      let rest = '';
      for await (const piece of stream(src, 0)) {
        const parts = (rest + text.write(piece)).split('\n');
        rest = parts.pop()!;
        for (const t of parts) await row(t);
      }
      await row(rest + text.end());
      if (!firstLine) throw new DataError(file, 'has only blank lines; write one point per line, values separated by commas');
      if (fill) await visit(rows, x, fill, lines);
      rows += fill;
      if (!rows) {
        throw new DataError(file, 'has a header row but no data rows; write one point per line below it, values separated by commas');
      }
      f.rows = rows;
      return rows;
    },
  };
  return f;
}
