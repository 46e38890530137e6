// What every format's reader gives, and what the rest of data/ reads files through: a RowFile
// (a file opened from its header, then read in passes of row blocks), a Matrix (a small file read
// whole), the DataError that bad input raises, and the size of a pass's blocks. It imports no
// reader, so that the readers, the scan of a file (load.ts) and the GPU side (scatter.ts,
// streamed.ts) all stand on it without importing one another.
import { OptionError, type OptionName } from '../../io/errors.js';

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

/** The formats a data file may have, as the messages that refuse a file name them. */
export const knownFormats = '.npy, .csv or .idx file (optionally .gz)';

/**
 * Bytes of float32 a pass over a file holds at a time: 4 MiB, or WEBGPU_DEC_BLOCK_BYTES (tests
 * lower it so that small files span many blocks).
 */
export function blockBytes(): number {
  const env = Number(process.env.WEBGPU_DEC_BLOCK_BYTES);
  return Number.isFinite(env) && env > 0 ? env : 1 << 22;
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
  /**
   * Rows [start, end) of the file as a RowFile of their own (rows 0 … end − start − 1), whose passes
   * read those rows alone: an NPY or IDX from their offset, a CSV scanning the lines before them
   * without parsing them. Where `end` is past the file's last row, its pass (a CSV's) or this call
   * raises a DataError.
   */
  slice?(start: number, end: number): RowFile;
  /** A slice: the file row its row 0 is (messages and outputs name the rows of the file). */
  first?: number;
  /** A slice: the rows of the whole file (a CSV's: null until a pass has counted them). */
  fileRows?: number | null;
  /** The data rows of a CSV, counted without parsing them (what a shard of it needs to know first). */
  countRows?(): Promise<number>;
}
