// Finds and reads the WGSL sources shipped in the package's shaders/ folder, each behind one shared
// prelude: the shape of a one-dimensional dispatch (grid1d in registry.ts), stated once for host and
// shaders.
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

/**
 * Invocations per workgroup of a one-dimensional dispatch (grid1d). The shaders see it as GRID_WG,
 * with grid_index(), the invocation's index in the 2-D grid that grid1d lays out past 65535 groups.
 */
export const GRID_WG = 64;

/** Put before every shader of the registry: WGSL has no includes. */
export const PRELUDE = `const GRID_WG: u32 = ${GRID_WG}u;
fn grid_index(gid: vec3u, nwg: vec3u) -> u32 { return gid.y * nwg.x * GRID_WG + gid.x; }
`;

const cache = new Map<string, string>();

/** The WGSL source of shaders/<file>.wgsl (read once), behind its directives and the prelude. */
export function shaderSource(file: string): string {
  let src = cache.get(file);
  if (src === undefined) {
    const text = readFileSync(join(packageRoot(), 'shaders', `${file}.wgsl`), 'utf8');
    // Directives (`enable subgroups;`) must come before any declaration.
    const directives = text.match(/^(enable|requires|diagnostic)\b[^;]*;/gm) ?? [];
    const body = text.replace(/^(enable|requires|diagnostic)\b[^;]*;/gm, '');
    src = [...directives, PRELUDE + body].join('\n');
    cache.set(file, src);
  }
  return src;
}
