// Finds and reads the WGSL sources shipped in the package's shaders/ folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The package root: the first folder above this file holding shaders/ and package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'shaders')) && existsSync(join(dir, 'package.json'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the shaders/ folder of webgpu-dec above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

const cache = new Map<string, string>();

/** The WGSL source of shaders/<file>.wgsl (read once). */
export function shaderSource(file: string): string {
  let src = cache.get(file);
  if (src === undefined) {
    src = readFileSync(join(packageRoot(), 'shaders', `${file}.wgsl`), 'utf8');
    cache.set(file, src);
  }
  return src;
}
