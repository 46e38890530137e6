// Output files are written to a temporary name and renamed, so nothing half-written is left behind.
import { accessSync, constants, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './errors.js';

export function writeAtomic(dir: string, name: string, content: string | Uint8Array): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
  return path;
}

/** writeAtomic for a path. */
export function writeFileAtomic(path: string, content: string | Uint8Array): string {
  return writeAtomic(dirname(path), basename(path), content);
}

/** The nearest existing folder at or above `path`. */
function existingAncestor(path: string): string {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/**
 * Checks, before any work, that `dir` can be created (or is a folder) and written into; an
 * InputError naming the problem otherwise. Nothing is created.
 */
export function checkWritableDir(dir: string, flag = '--out'): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError(`${flag} ${dir}: exists and is not a folder; choose another ${flag}`);
  const base = existingAncestor(dir);
  if (!statSync(base).isDirectory()) throw new InputError(`${flag} ${dir}: ${base} is a file, so the folder cannot be created; choose another ${flag}`);
  try {
    accessSync(base, constants.W_OK);
  } catch {
    throw new InputError(`${flag} ${dir}: ${base} is not writable; choose another ${flag}`);
  }
}

/** The same check for an output file: its folder can be created or written, and it is not a folder. */
export function checkWritableFile(file: string, flag = '--out'): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new InputError(`${flag} ${file}: is a folder; give a file name`);
  checkWritableDir(dirname(resolve(file)), flag);
}
