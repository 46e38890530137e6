// The run's own CSV files (assignments.csv, tsne.csv): a header line, then comma-separated fields
// without quoting. Read into columns by name, with errors that name the file and the line.
import { InputError } from '../io/errors.js';

export interface CsvTable {
  file: string;
  header: string[];
  rows: string[][];
}

export function parseCsv(file: string, text: string): CsvTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (!lines.length) throw new InputError(`${file}: empty; the run did not finish writing it`);
  const header = lines[0].split(',').map((h) => h.trim());
  const rows = lines.slice(1).map((line, i) => {
    const fields = line.split(',');
    if (fields.length !== header.length) throw new InputError(`${file}: line ${i + 2} has ${fields.length} fields, the header ${header.length}`);
    return fields;
  });
  return { file, header, rows };
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
  const out = new make(t.rows.length);
  t.rows.forEach((r, i) => {
    const v = Number(r[j]);
    if (r[j].trim() === '' || !Number.isFinite(v)) throw new InputError(`${t.file}: line ${i + 2}: ${name} "${r[j]}" is not a number`);
    out[i] = v;
  });
  return out;
}

export function stringColumn(t: CsvTable, name: string): string[] {
  const j = t.header.indexOf(name);
  return t.rows.map((r) => r[j].trim());
}
