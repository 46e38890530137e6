// Readers for the user's own data: NPY (float32/float64/uint8/int… , C order, 1-D or 2-D), CSV
// (numbers, optional header row), IDX (MNIST's format; .gz is decompressed). Bad input raises a
// DataError: one line naming the file, what is wrong and what to do.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../io/errors.js';

export class DataError extends InputError {
  constructor(file: string, what: string) {
    super(`${file}: ${what}`);
    this.name = 'DataError';
  }
}

export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

function bytesOf(file: string): Buffer {
  if (!existsSync(file)) throw new DataError(file, 'no such file; pass --data mnist or a path to a .npy, .csv or .idx file');
  const raw = readFileSync(file);
  return file.endsWith('.gz') ? gunzipSync(raw) : raw;
}

export function readMatrix(file: string): Matrix {
  const name = file.replace(/\.gz$/, '');
  if (name.endsWith('.npy')) return readNpy(file, bytesOf(file));
  if (name.endsWith('.csv')) return readCsv(file, bytesOf(file).toString('utf8'));
  if (/\.idx\d?(-ubyte)?$|-ubyte$/.test(name)) return readIdx(file, bytesOf(file));
  throw new DataError(file, 'unknown format; use .npy, .csv or .idx (optionally .gz)');
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
};

function readNpy(file: string, buf: Buffer): Matrix {
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new DataError(file, 'not an NPY file (bad magic); save it with numpy.save');
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([<>|=])(\w\d)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape) throw new DataError(file, `unreadable NPY header: ${header.trim()}`);
  if (/'fortran_order':\s*True/.test(header)) throw new DataError(file, 'Fortran-order arrays are not supported; save with numpy.ascontiguousarray');
  const read = npyTypes[descr[2]];
  if (!read) throw new DataError(file, `dtype ${descr[2]} is not supported; use float32, float64 or an integer type`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.length < 1 || dims.length > 2) throw new DataError(file, `shape (${dims.join(', ')}) must be 1-D (labels) or 2-D (points × features)`);
  const [rows, cols = 1] = dims;
  const size = Number(descr[2][1]);
  if (buf.length < start + rows * cols * size) throw new DataError(file, `truncated: header says ${rows}×${cols} but the file is too short`);
  const view = new DataView(buf.buffer, buf.byteOffset + start, rows * cols * size);
  const le = descr[1] !== '>';
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = read(view, i * size, le);
  return { data, rows, cols };
}

function readCsv(file: string, text: string): Matrix {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (!lines.length) throw new DataError(file, 'empty CSV');
  const first = lines[0].split(',');
  const header = first.some((c) => c.trim() !== '' && Number.isNaN(Number(c)));
  const body = header ? lines.slice(1) : lines;
  const cols = first.length;
  const data = new Float32Array(body.length * cols);
  body.forEach((line, r) => {
    const cells = line.split(',');
    if (cells.length !== cols) throw new DataError(file, `line ${r + 1 + (header ? 1 : 0)} has ${cells.length} fields, expected ${cols}`);
    cells.forEach((c, j) => {
      const v = Number(c);
      if (c.trim() === '' || !Number.isFinite(v)) throw new DataError(file, `line ${r + 1 + (header ? 1 : 0)}, column ${j + 1}: "${c}" is not a finite number`);
      data[r * cols + j] = v;
    });
  });
  return { data, rows: body.length, cols };
}

function readIdx(file: string, buf: Buffer): Matrix {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new DataError(file, 'not an IDX file (bad magic)');
  const type = buf[2];
  const ndim = buf[3];
  const dims = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const start = 4 + 4 * ndim;
  const rows = dims[0] ?? 0;
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
  if (!r) throw new DataError(file, `IDX data type 0x${type.toString(16)} is not supported`);
  if (buf.length < start + rows * cols * r[0]) throw new DataError(file, `truncated: header says ${dims.join('×')} but the file is too short`);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = r[1](start + i * r[0]);
  return { data, rows, cols };
}
