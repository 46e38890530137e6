// A slice of a data file's rows, for predict / embed spread over many tasks (a Slurm job array, a
// Kubernetes Indexed Job): rows A … B−1 named outright, or the i-th of n contiguous, nearly equal
// slices. The slice is a RowFile of its own whose passes read its rows alone (formats/*: an NPY or
// IDX from their offset, a CSV scanning the lines before them unparsed), so a task never holds the
// others' rows.
import { DataError, type RowFile } from './formats/row-file.js';

/** Which rows of a file: [A, B) (0-based, half-open), or shard i of n. */
export type RowSelection = { rows: [number, number] } | { shard: [number, number] };

/**
 * Shard i of n over `total` rows: rows ⌊i·total/n⌋ … ⌊(i+1)·total/n⌋ − 1. Contiguous, in order, each
 * row in exactly one shard, sizes differing by one at most (so shard outputs joined in order are
 * the whole file's).
 */
export function shardRows(i: number, n: number, total: number): [number, number] {
  return [Math.floor((i * total) / n), Math.floor(((i + 1) * total) / n)];
}

/** The rows `sel` picks of a file of `total` rows, checked against it. */
export function selectedRows(file: string, sel: RowSelection, total: number): [number, number] {
  if ('rows' in sel) {
    const [a, b] = sel.rows;
    if (b > total) throw new DataError(file, (name) => `has ${total} rows (0 … ${total - 1}); the rows asked for (${name('rows')} ${a}:${b}) end past them`);
    return [a, b];
  }
  const [i, n] = sel.shard;
  const [a, b] = shardRows(i, n, total);
  if (a === b) throw new DataError(file, (name) => `has ${total} rows, so shard ${i} of ${n} (${name('shard')}) would be empty; use at most ${total} shards`);
  return [a, b];
}

/**
 * The rows of `f` that `sel` picks, as a RowFile of their own (`first`: the file row of its row 0).
 * Shards of a CSV first count its rows (a scan without parsing); an NPY or IDX header has them.
 */
export async function selectRows(f: RowFile, sel: RowSelection): Promise<RowFile> {
  if (!f.slice) throw new DataError(f.file, 'cannot be read in slices');
  let total = f.rows;
  if (total === null) {
    // a CSV: --rows A:B needs no count (its pass refuses a B past the end); a shard does
    if ('rows' in sel) return f.slice(sel.rows[0], sel.rows[1]);
    total = await f.countRows!();
  }
  const [a, b] = selectedRows(f.file, sel, total);
  return f.slice(a, b);
}
