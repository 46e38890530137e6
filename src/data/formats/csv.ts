// CSV: lines of comma-separated numbers, an optional header row (a first line with a cell that is
// not a number), blank lines skipped. Parsed block by block from the (inflated) stream, each row
// with the line it came from, so that every message names what an editor shows.
import { StringDecoder } from 'node:string_decoder';
import { stream, type Bytes } from './bytes.js';
import { DataError, type RowFile } from './row-file.js';

/** NaN, inf, infinity (any case, signed): numbers to Number() or not, missing values to the user. */
const nonFinite = /^\s*[+-]?(nan|inf|infinity)\s*$/i;

/**
 * A CSV as a RowFile; `range`: only its data rows [start, end) (a slice): the lines before them are
 * split into lines and counted but not parsed (only a data row's line tells where the next one
 * starts), and those after them are counted (so that the file's row count is known and an `end`
 * past it is refused) without being parsed either.
 */
export function openCsv(src: Bytes, range?: { start: number; end: number }): RowFile {
  const { file } = src;
  const [from, to] = range ? [range.start, range.end] : [0, Infinity];
  const f: RowFile = {
    file,
    format: 'csv',
    rows: null,
    cols: null,
    ...(range ? { first: range.start, fileRows: null } : {}),
    slice(start, end) {
      if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end)) throw new RangeError(`rows [${start}, ${end}): not a slice`);
      // of a slice: within it (its pass refuses an end past the file's)
      return openCsv(src, { start: from + start, end: Math.min(to, from + end) });
    },
    async countRows() {
      // every data row is before an empty slice at the end: counted, none parsed
      const all = openCsv(src, { start: Infinity, end: Infinity });
      await all.pass(1 << 16, () => {});
      return all.fileRows!;
    },
    async pass(blockBytes, visit) {
      let seen = 0; // data rows so far, those skipped included
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
        if (firstLine && (seen < from || seen >= to)) {
          seen++; // a data row outside the slice: counted, not parsed
          return;
        }
        const cells = t.split(',');
        if (!firstLine) {
          firstLine = lineNo;
          cols = f.cols = cells.length;
          const per = Math.max(1, Math.floor(blockBytes / (4 * cols)));
          [x, lines] = [new Float32Array(per * cols), new Int32Array(per)];
          if (cells.some((c) => c.trim() !== '' && Number.isNaN(Number(c)) && !nonFinite.test(c))) return; // a header row
          if (seen < from || seen >= to) {
            seen++; // the first data row, outside the slice: it set the columns, its values are not read
            return;
          }
        }
        seen++;
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
      if (!seen) {
        throw new DataError(file, 'has a header row but no data rows; write one point per line below it, values separated by commas');
      }
      if (range) {
        f.fileRows = seen;
        if (to > seen && to !== Infinity) {
          throw new DataError(file, (name) => `has ${seen} data rows (0 … ${seen - 1}); the rows asked for (${name('rows')} ${from}:${to}) end past them`);
        }
      }
      f.rows = rows;
      return rows;
    },
  };
  return f;
}
