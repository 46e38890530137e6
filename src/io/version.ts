// The package's own version (package.json), for model files and `--version`, and the git commit of
// the checkout it runs from (metrics.json), where it runs from one.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let version: string | null = null;
let root: string | null | undefined;

/** The folder of the package's package.json (null where none is found). */
function packageRoot(): string | null {
  if (root !== undefined) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'webgpu-dec') return (root = dir);
    if (dirname(dir) === dir) return (root = null);
  }
}

export function packageVersion(): string {
  if (version) return version;
  const dir = packageRoot();
  const pkg = dir ? (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }) : {};
  return (version = pkg.version ?? 'unknown');
}

let commit: string | null | undefined;

/**
 * The commit checked out where the package runs from a git checkout (read from .git, without
 * running git: a worktree's `.git` file and packed refs included), else null (an installed package).
 */
export function sourceCommit(): string | null {
  if (commit !== undefined) return commit;
  commit = null;
  try {
    const dir = packageRoot();
    if (!dir || !existsSync(join(dir, '.git'))) return commit;
    let gitDir = join(dir, '.git');
    if (!statSync(gitDir).isDirectory()) gitDir = resolve(dir, /^gitdir: (.*)$/m.exec(readFileSync(gitDir, 'utf8'))![1].trim());
    const common = existsSync(join(gitDir, 'commondir')) ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    const ref = /^ref: (.*)$/.exec(head)?.[1];
    if (!ref) return (commit = /^[0-9a-f]{40}$/.test(head) ? head : null);
    for (const base of [gitDir, common]) if (existsSync(join(base, ref))) return (commit = readFileSync(join(base, ref), 'utf8').trim());
    const packed = existsSync(join(common, 'packed-refs')) ? readFileSync(join(common, 'packed-refs'), 'utf8') : '';
    return (commit = new RegExp(`^([0-9a-f]{40}) ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(packed)?.[1] ?? null);
  } catch {
    return (commit = null); // an unreadable .git: the commit is unknown, the run goes on
  }
}
