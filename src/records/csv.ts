// The run's own CSV files (assignments.csv, tsne.csv): a header line, then comma-separated fields
// without quoting. Read into columns by name, with errors that name the file and the line.
import { InputError } from '../io/errors.js';

/**
 * A CSV file as its text and where each data line starts: a column is parsed when it is asked for,
 * so a run of millions of points costs the text and 4 bytes a line, not an array per line.
 */
export interface CsvTable {
  file: string;
  header: string[];
  /** Data lines. */
  rows: number;
  /** Field j of data line i. */
  field(i: number, j: number): string;
}

export function parseCsv(file: string, text: string): CsvTable {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const stop = end > at && text[end - 1] === '\r' ? end - 1 : end;
    if (text.slice(at, stop).trim() !== '') {
      starts.push(at);
      ends.push(stop);
    }
    at = end + 1;
  }
  if (!starts.length) throw new InputError(`${file}: empty; the run did not finish writing it`);
  const header = text.slice(starts[0], ends[0]).split(',').map((h) => h.trim());
  const [from, to] = [Uint32Array.from(starts.slice(1)), Uint32Array.from(ends.slice(1))];
  for (let i = 0; i < from.length; i++) {
    let fields = 1;
    for (let c = from[i]; c < to[i]; c++) if (text.charCodeAt(c) === 44 /* , */) fields++;
    if (fields !== header.length) throw new InputError(`${file}: line ${i + 2} has ${fields} fields, the header ${header.length}`);
  }
  return {
    file,
    header,
    rows: from.length,
    field(i, j) {
      let at = from[i];
      for (let k = 0; k < j; k++) at = text.indexOf(',', at) + 1;
      const comma = text.indexOf(',', at);
      return text.slice(at, comma >= 0 && comma < to[i] ? comma : to[i]);
    },
  };
}

/** Throws unless every name in `required` is a column; returns whether `optional` is one. */
export function checkColumns(t: CsvTable, required: string[], optional?: string): boolean {
  const missing = required.filter((c) => !t.header.includes(c));
  if (missing.length) throw new InputError(`${t.file}: no column ${missing.join(', ')} (header: ${t.header.join(',')})`);
  return optional !== undefined && t.header.includes(optional);
}

/** A numeric column; an InputError names the first field that is not a number. */
export function numberColumn<T extends Int32Array | Uint32Array | Float32Array>(t: CsvTable, name: string, make: new (n: number) => T): T {
  const j = t.header.indexOf(name);
  const out = new make(t.rows);
  for (let i = 0; i < t.rows; i++) {
    const f = t.field(i, j);
    const v = Number(f);
    if (f.trim() === '' || !Number.isFinite(v)) throw new InputError(`${t.file}: line ${i + 2}: ${name} "${f}" is not a number`);
    out[i] = v;
  }
  return out;
}

export function stringColumn(t: CsvTable, name: string): string[] {
  const j = t.header.indexOf(name);
  return Array.from({ length: t.rows }, (_, i) => t.field(i, j).trim());
}
