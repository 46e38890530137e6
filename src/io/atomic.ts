// Output files are written to a temporary name and renamed, so nothing half-written is left behind.
import { accessSync, constants, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OptionError } from './errors.js';

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
 * OptionError naming the problem (and the option, `field`) otherwise. Nothing is created.
 */
export function checkWritableDir(dir: string, field = 'out'): void {
  const fail = (what: string) => {
    throw new OptionError((name) => `${name(field)} ${dir}: ${what}; choose another ${name(field)}`);
  };
  if (existsSync(dir) && !statSync(dir).isDirectory()) fail('exists and is not a folder');
  const base = existingAncestor(dir);
  if (!statSync(base).isDirectory()) fail(`${base} is a file, so the folder cannot be created`);
  try {
    accessSync(base, constants.W_OK);
  } catch {
    fail(`${base} is not writable`);
  }
}

/** The same check for an output file: its folder can be created or written, and it is not a folder. */
export function checkWritableFile(file: string, field = 'out'): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new OptionError((name) => `${name(field)} ${file}: is a folder; give a file name`);
  checkWritableDir(dirname(resolve(file)), field);
}
