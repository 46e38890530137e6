// assignments.csv: index,cluster,confidence[,label], one row per point, sorted by index (the row of
// the user's input file). Written by a run and by `predict`, read by the report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkColumns, numberColumn, parseCsv } from './csv.js';

export const ASSIGNMENTS_FILE = 'assignments.csv';

/** assignments.csv as columns. */
export interface Assignments {
  index: Int32Array;
  cluster: Uint32Array;
  confidence: Float32Array;
  label: Int32Array | null;
}

/**
 * The CSV text: point i is row `index[i]` of the input file (a run's points may be shuffled or a
 * subset; no index: the identity), confidence to 4 decimals.
 */
export function assignmentsCsv(index: ArrayLike<number> | undefined, cluster: Uint32Array, confidence: Float32Array, labels: ArrayLike<number> | null): string {
  const order = Array.from(cluster, (_, i) => i);
  if (index) order.sort((a, b) => index[a] - index[b]);
  const rows = [labels ? 'index,cluster,confidence,label' : 'index,cluster,confidence'];
  for (const i of order) rows.push(`${index ? index[i] : i},${cluster[i]},${confidence[i].toFixed(4)}${labels ? `,${labels[i]}` : ''}`);
  return rows.join('\n') + '\n';
}

/** A file of assignments (a run folder's, or predict's --out) as columns. */
export function readAssignmentsFile(path: string): Assignments {
  const t = parseCsv(path, readFileSync(path, 'utf8'));
  const labelled = checkColumns(t, ['index', 'cluster', 'confidence'], 'label');
  return {
    index: numberColumn(t, 'index', Int32Array),
    cluster: numberColumn(t, 'cluster', Uint32Array),
    confidence: numberColumn(t, 'confidence', Float32Array),
    label: labelled ? numberColumn(t, 'label', Int32Array) : null,
  };
}

/** DIR/assignments.csv. */
export const readAssignments = (dir: string) => readAssignmentsFile(join(dir, ASSIGNMENTS_FILE));
