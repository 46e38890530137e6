// NumPy's .npy: the reader (float32/float64/uint8/int…, C order, 1-D or 2-D, version 1 to 3 headers)
// and the writer (float32, version 1.0) side by side.
import { HEAD_BYTES, type Bytes } from './bytes.js';
import { decoder, fixedRows } from './fixed.js';
import { DataError, type RowFile } from './row-file.js';

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

export function openNpy(src: Bytes): RowFile {
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

/**
 * An .npy file's bytes (version 1.0): magic, a Python-dict header padded so that the data starts at
 * a multiple of 64 bytes, then little-endian float32 values in C order.
 */
export function npyBytes(data: Float32Array, shape: number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = 10 + header.length + 1; // magic (6) + version (2) + length (2) + header + '\n'
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  const values = new DataView(out.buffer, 10 + header.length);
  data.forEach((v, i) => values.setFloat32(4 * i, v, true));
  return out;
}
