// Each public entry point (package.json "exports") against its list in docs/library.md: a name the
// page lists that the barrel does not export fails, and so does a name the barrel exports that the
// page does not list. Values are read from the module itself, types from the TypeScript compiler.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/gpu/shaders.js';

const root = packageRoot();

/** Every name `file` exports, values and types apart (a class is a value). */
function barrelExports(file: string): { values: string[]; types: string[] } {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const program = ts.createProgram([join(root, file)], { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(join(root, file))!)!;
  const values: string[] = [];
  const types: string[] = [];
  for (const s of checker.getExportsOfModule(module)) {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    (target.flags & ts.SymbolFlags.Value ? values : types).push(s.name);
  }
  return { values: values.sort(), types: types.sort() };
}

/** The names docs/library.md lists for `entry` under "Values:" and "Types:" in its section. */
function documented(entry: string): { values: string[]; types: string[] } {
  const page = readFileSync(join(root, 'docs/library.md'), 'utf8');
  const section = page.split(/^### /m).find((s) => s.startsWith(`\`${entry}\``));
  if (!section) throw new Error(`docs/library.md has no section "### \`${entry}\`"`);
  const names = (label: string) => {
    const line = new RegExp(`^${label}:(.*(?:\\n(?!\\w+:|\\n).*)*)`, 'm').exec(section)?.[1] ?? '';
    return [...line.matchAll(/`(\w+)`/g)].map((m) => m[1]).sort();
  };
  return { values: names('Values'), types: names('Types') };
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { types?: string }> };

describe('the public entry points against docs/library.md', () => {
  const entries = Object.entries(pkg.exports).filter(([, e]) => e.types);
  it('every entry point of package.json has a barrel in src/', () => {
    expect(entries.map(([path]) => path).sort()).toEqual(['.', './engine']);
  });
  it.each(entries)('%s exports exactly the names its list documents', async (path, e) => {
    const name = path === '.' ? 'webgpu-dec' : `webgpu-dec/${path.slice(2)}`;
    const file = e.types!.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts');
    const exported = barrelExports(file);
    const loaded = Object.keys(await import(join(root, file))).sort();
    expect(exported.values, `${file}: the compiler's values and the module's`).toEqual(loaded);
    const docs = documented(name);
    expect({ values: docs.values, types: docs.types }, `${name}: docs/library.md's lists (left) against ${file} (right)`).toEqual(exported);
  }, 60_000);
});
