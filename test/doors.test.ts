// The two doors (src/cli: the command line, src/api: the library) run jobs through src/run and
// know nothing below it: a value import from a door goes to the doors themselves, to run, to the
// rooms beside run (experiments, report), to the records and io (errors, atomic files, the
// version), or to the engine's error classes. Type imports are free. The exceptions are about the
// engine itself, not the method: `info` and `bench` describe and measure the adapter, and the
// library's device opener (api/device.ts) is the door to the engine.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../src');
const ALLOWED = ['cli', 'api', 'run', 'experiments', 'report', 'records', 'io'];
// The engine's error classes are what a door renders (exit codes, messages): a door may test for them.
const ERROR_CLASSES = ['gpu/errors.ts'];
const ENGINE_DOORS = ['cli/info.ts', 'cli/bench.ts', 'api/device.ts'];

/** The relative value imports of a TypeScript file (static, re-exports and dynamic), as paths under src. */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+'(\.[^']+)'/gm)) specs.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) specs.push(m[1]);
  return specs.map((s) => relative(SRC, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

describe('the doors', () => {
  for (const door of ['cli', 'api']) {
    for (const name of readdirSync(join(SRC, door)).filter((f) => f.endsWith('.ts'))) {
      const here = `${door}/${name}`;
      if (ENGINE_DOORS.includes(here)) continue;
      it(`${here} imports values from run and the rooms beside it only`, () => {
        const below = valueImports(join(SRC, here)).filter((p) => !ALLOWED.includes(p.split('/')[0]) && !ERROR_CLASSES.includes(p));
        expect(below, `${here} reaches below src/run`).toEqual([]);
      });
    }
  }

  it('the import parser sees what it should', () => {
    const imports = valueImports(join(SRC, 'cli/train.ts'));
    expect(imports).toContain('run/job.ts');
    expect(imports.every((p) => !p.startsWith('..'))).toBe(true);
  });
});
