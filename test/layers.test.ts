// Imports go only downward: each folder of src/ is a layer and may import only from the layers
// listed for it (docs/architecture.md). The method (src/dec) knows nothing of running a job
// (src/run), the page builder nothing of the experiment runners, the readers nothing of the network.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve('src');

/** What each layer may import, bottom up; a layer's own files are always allowed. */
const MAY_IMPORT: Record<string, string[]> = {
  io: [],
  random: [],
  metrics: [],
  records: ['io'],
  gpu: ['io'],
  tensor: ['gpu', 'io'],
  nn: ['gpu', 'io', 'random', 'tensor'],
  data: ['gpu', 'io', 'random', 'tensor'],
  kmeans: ['gpu', 'io', 'random', 'tensor'],
  tsne: ['gpu', 'io', 'random', 'tensor'],
  dec: ['gpu', 'io', 'random', 'tensor', 'nn', 'data'],
  model: ['gpu', 'io', 'random', 'tensor', 'nn', 'data', 'dec'],
  run: ['gpu', 'io', 'random', 'tensor', 'nn', 'data', 'metrics', 'kmeans', 'tsne', 'dec', 'model', 'records', 'report'],
  report: ['io', 'metrics', 'records'],
  experiments: ['gpu', 'io', 'random', 'tensor', 'nn', 'data', 'metrics', 'kmeans', 'tsne', 'dec', 'model', 'run', 'records'],
  api: ['gpu', 'io', 'random', 'tensor', 'nn', 'data', 'metrics', 'kmeans', 'tsne', 'dec', 'model', 'run', 'report', 'records'],
  cli: ['gpu', 'io', 'random', 'tensor', 'nn', 'data', 'metrics', 'kmeans', 'tsne', 'dec', 'model', 'run', 'report', 'experiments', 'api', 'records'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** [importing layer, imported layer, file] for every relative import between two folders of src/. */
function edges(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const file of files(src)) {
    const from = relative(src, file).split('/')[0];
    if (from.endsWith('.ts')) continue; // index.ts, engine.ts: the package's entry points re-export every layer
    for (const m of readFileSync(file, 'utf8').matchAll(/\bfrom\s+'(\.[^']+)'/g)) {
      const to = relative(src, resolve(dirname(file), m[1])).split('/')[0];
      if (to !== from) out.push([from, to, relative(src, file)]);
    }
  }
  return out;
}

describe('the layers of src/', () => {
  it('every folder is a known layer', () => {
    const folders = readdirSync(src).filter((f) => statSync(join(src, f)).isDirectory());
    expect(folders.filter((f) => !(f in MAY_IMPORT))).toEqual([]);
  });

  it('import only downward', () => {
    const upward = edges().filter(([from, to]) => !MAY_IMPORT[from].includes(to)).map(([from, to, file]) => `${file} imports ${to}/`);
    expect(upward).toEqual([]);
  });

  it('keep the method apart from the job, the page apart from the runners, the readers apart from the network', () => {
    const all = edges();
    const between = (a: string, b: string) => all.filter(([from, to]) => from === a && to === b);
    expect(between('dec', 'run')).toEqual([]);
    expect(between('report', 'experiments')).toEqual([]);
    expect(between('data', 'nn')).toEqual([]);
  });
});
