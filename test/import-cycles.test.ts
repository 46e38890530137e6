// Imports only go down the layers, so no module of src/ reaches itself again through its imports.
// The graph is read from the source text: every relative `import … from`, `export … from`, bare
// `import './x.js'` and dynamic `import('./x.js')` of each src/**/*.ts file. Only value imports
// count: `import type` / `export type`, and an import whose every name is marked `type`, are erased
// by tsc and create no runtime cycle, while a type that names its own module's users is harmless.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../src', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/** The value imports of a module's text: the relative specifiers it loads at run time. */
function valueImports(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1'); // comments can quote imports
  const found: string[] = [];
  // import x, { a, type B } from '…' / export { a } from '…' / export * from '…' (clauses span lines)
  for (const m of code.matchAll(/\b(import|export)\s+(type\s+)?([\w*{}\s,$]*?)\s*from\s*['"]([^'"]+)['"]/g)) {
    if (m[2]) continue; // import type / export type
    const named = /\{([^}]*)\}/.exec(m[3]);
    const outside = m[3].replace(/\{[^}]*\}/, '').replace(/[\s,]/g, ''); // a default or namespace import
    const names = named ? named[1].split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (!outside && names.length && names.every((n) => n.startsWith('type '))) continue;
    found.push(m[4]);
  }
  for (const m of code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) found.push(m[1]); // side-effect import
  for (const m of code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]); // dynamic import
  return found.filter((s) => s.startsWith('.'));
}

/** The module graph of src/: file → the src files it imports (a .js specifier names its .ts source). */
function graph(): Map<string, string[]> {
  const files = sources(root);
  const known = new Set(files);
  return new Map(
    files.map((f) => {
      const to = valueImports(readFileSync(f, 'utf8')).map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts')));
      return [f, to.filter((t) => known.has(t))];
    }),
  );
}

/** Every cycle a depth-first walk closes (one per back edge), each as a path that returns to its start. */
function cycles(g: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const found: string[][] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    path.push(f);
    for (const t of g.get(f) ?? []) {
      if (state.get(t) === 'open') found.push([...path.slice(path.indexOf(t)), t]);
      else if (!state.has(t)) visit(t);
    }
    path.pop();
    state.set(f, 'done');
  };
  for (const f of [...g.keys()].sort()) if (!state.has(f)) visit(f);
  return found;
}

describe('imports', () => {
  it('the parser sees value imports, re-exports and dynamic imports, and skips type-only ones', () => {
    const text = [
      "import { a, type B } from './a.js';",
      "import type { C } from './c.js';",
      "import { type D } from './d.js';",
      "import E, { type F } from './e.js';",
      "export { g } from './g.js';",
      "export type { H } from './h.js';",
      "export * from './i.js';",
      "import './j.js';",
      "const k = await import('./k.js');",
      "import {\n  l,\n  m,\n} from '../l.js';",
      "// import { n } from './n.js';",
      "import { o } from 'node:fs';",
    ].join('\n');
    expect(valueImports(text).sort()).toEqual(['../l.js', './a.js', './e.js', './g.js', './i.js', './j.js', './k.js']);
  });

  it('no module in src imports itself again through others (no import cycle)', () => {
    const g = graph();
    expect(g.size).toBeGreaterThan(50);
    const shown = cycles(g).map((c) => c.map((f) => relative(root, f)).join(' → '));
    expect(shown, `import cycles in src/:\n${shown.join('\n')}`).toEqual([]);
  });
});
