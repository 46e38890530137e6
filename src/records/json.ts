// The JSON files a run or an experiment writes and reads back: written whole to a temporary name
// and renamed (a reader never sees half a file), read with one message naming the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';

/** Writes `value` as `dir/name`, indented (`indent` 0: one line), with a final newline; returns the path. */
export function writeJson(dir: string, name: string, value: unknown, indent = 2): string {
  return writeAtomic(dir, name, JSON.stringify(value, null, indent || undefined) + '\n');
}

/** `dir/name` parsed; an InputError names the file and what wrote it (`writer`). */
export function readJson(dir: string, name: string, writer = 'webgpu-dec train'): unknown {
  const path = join(dir, name);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message}); was it written by ${writer}?`);
  }
}
