// NPY and IDX alike: fixed-width values after a header. Given where the values start and how to
// decode them, a file is read block by block from that offset (streamed, or inflated from its .gz)
// and, uncompressed, at any row's offset; a file shorter than its header says is refused, saying
// how much is missing.
import { readAt, stream, type Bytes } from './bytes.js';
import { DataError, type RowFile } from './row-file.js';

/** How a fixed-width file's values are laid out: `decode` turns `count` values of `bytes` into floats. */
export interface Fixed {
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

/**
 * A fixed-width file as a RowFile: its data read block by block, from its offset. `first`: a slice's
 * first row in the file (`f.start` then points at it and `f.rows` counts the slice's rows), so that
 * value messages name the file's rows.
 */
export function fixedRows(f: Fixed, first = 0, fileRows = f.rows): RowFile {
  const need = f.rows * f.cols * f.size;
  const truncated = (got: number) =>
    new DataError(f.src.file, `truncated: the header says ${f.layout} (${need} bytes of data) but only ${got} follow it; ${f.again}`);
  if (!f.src.gz && f.src.size < f.start + need) throw truncated(f.src.size - f.start);
  const rowBytes = f.cols * f.size;
  let buf = Buffer.alloc(0); // kept between reads, grown to the longest: out-of-core windows read many stretches
  const readRows = (at: number, count: number, out: Float32Array) => {
    if (at < 0 || count < 0 || at + count > f.rows) throw new RangeError(`rows [${at}, ${at + count}) outside [0, ${f.rows})`);
    if (buf.length < count * rowBytes) buf = Buffer.alloc(count * rowBytes);
    const bytes = readAt(f.src.file, f.start + at * rowBytes, count * rowBytes, buf);
    if (bytes.length < count * rowBytes) throw new DataError(f.src.file, 'it was cut short since it was checked; run again on a file that stays put');
    f.decode(bytes, count * f.cols, out, (first + at) * f.cols);
  };
  return {
    file: f.src.file,
    format: f.format,
    rows: f.rows,
    cols: f.cols,
    image: f.image,
    u8: f.u8,
    ...(f.src.gz ? {} : { readRows }),
    ...(first || fileRows !== f.rows ? { first, fileRows } : {}),
    slice(start, end) {
      if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= f.rows)) {
        throw new RangeError(`rows [${start}, ${end}) outside [0, ${f.rows})`);
      }
      // The values of rows start … end − 1 begin start rows further on: a pass streams from there
      // (a .gz inflates the bytes before them without keeping them) and stops after them.
      return fixedRows({ ...f, rows: end - start, start: f.start + start * rowBytes }, first + start, fileRows);
    },
    async pass(blockBytes, visit) {
      const per = Math.max(1, Math.min(Math.floor(blockBytes / (4 * f.cols)), f.rows));
      const block = Buffer.alloc(per * rowBytes);
      const out = new Float32Array(per * f.cols);
      let fill = 0;
      let row = 0;
      const emit = async (rows: number) => {
        f.decode(block, rows * f.cols, out, (first + row) * f.cols);
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
export function decoder(file: string, size: number, cols: number, read: (b: DataView, o: number) => number): Fixed['decode'] {
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
