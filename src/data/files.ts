// Readers for the user's own data: NPY (float32/float64/uint8/int… , C order, 1-D or 2-D), CSV
// (numbers, optional header row), IDX (MNIST's format; .gz is decompressed). Bad input raises a
// DataError: one line naming the file, what is wrong and what to do.
import { readFileSync, statSync } from 'node:fs';
import { constants as bufferLimits } from 'node:buffer';
import { totalmem } from 'node:os';
import { extname } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
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

/** A numeric file as read: rows × cols values (f32, row-major). */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
  /** CSV only: the line (from 1) each row came from, so that later checks name what an editor shows. */
  lines?: number[];
  /** IDX with 3 dimensions: each row is an image of height × width. */
  image?: [number, number];
}

const formats = '.npy, .csv or .idx file (optionally .gz)';

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

function bytesOf(file: string, field: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new DataError(file, fsProblem(e, field));
  }
  const empty = 'the file is empty (0 bytes); check that the export or download finished, or pass another file';
  if (!raw.length) throw new DataError(file, empty);
  const gzipped = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  if (!/\.gz$/i.test(file)) {
    // No valid NPY, IDX or CSV starts with these bytes: say what it is rather than "bad magic".
    if (gzipped) throw new DataError(file, `is gzip-compressed but not named .gz; rename it to ${file}.gz or decompress it (gunzip)`);
    checkAnnounced(file, raw, null);
    return raw;
  }
  if (!gzipped) {
    throw new DataError(file, 'is not gzip-compressed despite its .gz name (bad magic); rename it without .gz if it is not compressed');
  }
  // The header first, from the stream's first bytes (a few MiB of output at most, whatever the file
  // inflates to), so that a file announcing more than it holds or than memory allows is refused
  // before anything is inflated; gzip's trailer gives the inflated size (mod 2^32) to check it by.
  let head: Buffer | null = null;
  try {
    head = gunzipSync(raw.subarray(0, Math.min(4096, raw.length - 8)), { finishFlush: zlibConstants.Z_SYNC_FLUSH }); // without the trailer
  } catch {
    // a corrupt stream: the full inflate below says so
  }
  if (head) checkAnnounced(file, head, raw.length >= 18 ? raw.readUInt32LE(raw.length - 4) : null);
  let out: Buffer;
  try {
    out = gunzipSync(raw);
  } catch (e) {
    const msg = (e as Error).message;
    const what = /unexpected end of file/i.test(msg)
      ? 'the gzip stream is truncated or corrupt (unexpected end of file)'
      : `the gzip stream is corrupt (${msg})`;
    throw new DataError(file, `${what}; download or compress the file again`);
  }
  if (!out.length) throw new DataError(file, 'decompresses to nothing (0 bytes); check that the export or download finished, or pass another file');
  return out;
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

const GB = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;

/**
 * Refuses, from the header alone, a file whose data would not fit: more float32 values than one
 * typed array holds, or more host memory than the machine has (the file inflated plus its values as
 * float32); and, for .gz (`inflated`: gzip's size field), a header announcing more than the stream
 * holds.
 */
function checkAnnounced(file: string, head: Buffer, inflated: number | null): void {
  const a = announced(head);
  if (!a) return; // not NPY or IDX, or a damaged header: the reader says what is wrong
  const shape = a.dims.join('×');
  if (inflated !== null && a.bytes < 2 ** 32 && inflated < a.bytes) {
    throw new DataError(file, `the header announces ${shape} values (${a.bytes} bytes) but gzip's size field says ${inflated} bytes: the file is truncated or damaged; download or compress the file again`);
  }
  const floats = 4 * a.values;
  if (floats > bufferLimits.MAX_LENGTH) {
    throw new DataError(file, `the header announces ${shape} values, ${GB(floats)} as float32: more than one array can hold here (${GB(bufferLimits.MAX_LENGTH)}); pass at most ${Math.floor(bufferLimits.MAX_LENGTH / 4 / Math.max(1, a.values / a.dims[0]))} rows (split the file)`);
  }
  const need = a.bytes + floats;
  if (need > totalmem()) {
    throw new DataError(file, `the header announces ${shape} values: reading them takes ${GB(need)} of memory (the file's ${GB(a.bytes)} plus ${GB(floats)} as float32), more than this machine's ${GB(totalmem())}; split the file`);
  }
}

/** `field`: the option that named the file, for the message when it is missing. */
export function readMatrix(file: string, field = 'data'): Matrix {
  // Missing files and directories first: that is the likelier mistake than the extension.
  try {
    if (statSync(file).isDirectory()) throw new DataError(file, `is a directory; pass a ${formats}`);
  } catch (e) {
    throw e instanceof DataError ? e : new DataError(file, fsProblem(e, field));
  }
  const name = file.replace(/\.gz$/i, '').toLowerCase();
  if (name.endsWith('.npy')) return readNpy(file, bytesOf(file, field));
  if (name.endsWith('.csv')) return readCsv(file, bytesOf(file, field).toString('utf8'));
  if (/\.idx\d?(-ubyte)?$|-ubyte$/.test(name)) return readIdx(file, bytesOf(file, field));
  const ext = extname(name);
  const what = ext ? `unknown file type "${ext}"` : 'no file type in the name';
  throw new DataError(file, `${what}; convert the data to a ${formats} and name it so`);
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

function readNpy(file: string, buf: Buffer): Matrix {
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') {
    throw new DataError(file, 'not an NPY file (bad magic); save the array with numpy.save');
  }
  const major = buf[6];
  const headerStart = major === 1 ? 10 : 12;
  const saveAgain = 'save the array again with numpy.save';
  if (buf.length < headerStart) throw new DataError(file, `truncated: the file ends inside the NPY header; ${saveAgain}`);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = headerStart + headerLen;
  if (buf.length < start) throw new DataError(file, `truncated: the file ends inside the NPY header; ${saveAgain}`);
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
  const need = rows * cols * size;
  if (buf.length < start + need) {
    const sizes = `${rows}×${cols} ${descr} (${need} bytes of data) but only ${buf.length - start} follow it`;
    throw new DataError(file, `truncated: the header says ${sizes}; ${saveAgain}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset + start, need);
  const le = dt[1] !== '>';
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    const v = read(view, i * size, le);
    data[i] = v;
    // float64 beyond float32's range would show up later as an Infinity that is not in the file.
    if (!Number.isFinite(data[i]) && Number.isFinite(v)) {
      const at = `row ${Math.floor(i / cols)}, column ${i % cols} (counting from 0)`;
      throw new DataError(file, `value at ${at} is ${v}, beyond float32's range; rescale the data`);
    }
  }
  return { data, rows, cols };
}

/** NaN, inf, infinity (any case, signed): numbers to Number() or not, missing values to the user. */
const nonFinite = /^\s*[+-]?(nan|inf|infinity)\s*$/i;

function readCsv(file: string, text: string): Matrix {
  const lines = text
    .split(/\r?\n/)
    .map((t, i) => ({ n: i + 1, t }))
    .filter((l) => l.t.trim() !== '');
  if (!lines.length) throw new DataError(file, 'has only blank lines; write one point per line, values separated by commas');
  const first = lines[0].t.split(',');
  const header = first.some((c) => c.trim() !== '' && Number.isNaN(Number(c)) && !nonFinite.test(c));
  const body = header ? lines.slice(1) : lines;
  if (!body.length) {
    throw new DataError(file, 'has a header row but no data rows; write one point per line below it, values separated by commas');
  }
  const cols = first.length;
  const data = new Float32Array(body.length * cols);
  body.forEach(({ n, t }, r) => {
    const cells = t.split(',');
    if (cells.length !== cols) {
      const what = `line ${n} has ${cells.length} fields, expected ${cols} (as on line ${lines[0].n})`;
      throw new DataError(file, `${what}; every row needs the same number of comma-separated values`);
    }
    cells.forEach((c, j) => {
      const v = Number(c);
      if (c.trim() !== '' && Number.isFinite(v)) {
        data[r * cols + j] = v;
        return;
      }
      const cell = (c.length > 40 ? `${c.slice(0, 40)}…` : c).replace(/\t/g, '\\t'); // the message stays one plain line
      const fix =
        c.trim() === '' || nonFinite.test(c) ? 'drop or impute missing values first'
        : /[;\t]/.test(c) ? 'separate the values with commas'
        : 'every cell below the header must be a number';
      throw new DataError(file, `line ${n}, column ${j + 1}: "${cell}" is not a finite number; ${fix}`);
    });
  });
  return { data, rows: body.length, cols, lines: body.map((l) => l.n) };
}

function readIdx(file: string, buf: Buffer): Matrix {
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
  const rows = dims[0];
  const cols = dims.slice(1).reduce((a, b) => a * b, 1);
  const readers: Record<number, [number, (o: number) => number]> = {
    0x08: [1, (o) => buf.readUInt8(o)],
    0x09: [1, (o) => buf.readInt8(o)],
    0x0b: [2, (o) => buf.readInt16BE(o)],
    0x0c: [4, (o) => buf.readInt32BE(o)],
    0x0d: [4, (o) => buf.readFloatBE(o)],
    0x0e: [8, (o) => buf.readDoubleBE(o)],
  };
  const r = readers[type];
  if (!r) {
    const hex = `0x${type.toString(16).padStart(2, '0')}`;
    throw new DataError(file, `IDX data type ${hex} is not supported (known: 0x08, 0x09, 0x0b-0x0e); convert the data to .npy`);
  }
  const need = rows * cols * r[0];
  if (buf.length < start + need) {
    const sizes = `${dims.join('×')} (${need} bytes of data) but only ${buf.length - start} follow it`;
    throw new DataError(file, `truncated: the header says ${sizes}; ${again}`);
  }
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = r[1](start + i * r[0]);
  return { data, rows, cols, image: dims.length === 3 ? [dims[1], dims[2]] : undefined };
}
