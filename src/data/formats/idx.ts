// IDX, MNIST's format: a magic of two zero bytes, a type code and the number of dimensions, the
// big-endian dimensions, then the values (8-bit, 16/32-bit integers, float32 or float64). Three
// dimensions are images: each row is one of height × width.
import type { Bytes } from './bytes.js';
import { decoder, fixedRows } from './fixed.js';
import { DataError, type RowFile } from './row-file.js';

export function openIdx(src: Bytes): RowFile {
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
