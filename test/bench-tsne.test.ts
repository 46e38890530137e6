// `npm run bench:tsne`: ours and scikit-learn's Barnes-Hut t-SNE on the same points, every map's T(5)
// from one function on one sample; the peer skipped with a note where scikit-learn is missing; bad
// input refused in one line before any map is run. Small inputs only: the maps run 1000 iterations.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mapInOrder, type TsneBenchRow } from '../bench/tsne.js';

const sklearnHere = spawnSync('/usr/bin/python3', ['-c', 'import sklearn.manifold'], { encoding: 'utf8' }).status === 0;
const scratch = mkdtempSync(join(tmpdir(), 'bench-tsne-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The bench in a child process with a TMPDIR of its own, so that its temporary files can be looked for afterwards. */
function bench(name: string, args: string[], env: Record<string, string> = {}) {
  const tmp = join(scratch, `${name}-tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const json = join(scratch, `${name}.json`);
  const r = spawnSync(process.execPath, ['dist/bench/tsne.js', ...args, '--json', json], { encoding: 'utf8', timeout: 900_000, env: { ...process.env, TMPDIR: tmp, ...env } });
  const left = readdirSync(tmp).filter((f) => f.startsWith('bench-tsne-'));
  return { ...r, left, json };
}

const readResult = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { rows: TsneBenchRow[]; notes: string[]; t5_points: number | null };

describe('bench:tsne', () => {
  it('bad input: one line saying what is wrong, exit 2, nothing run', () => {
    const cases: [string[], RegExp][] = [
      [['--data', 'mnist', '--n', '100', '--methods', 'fft,umap'], /^bench:tsne: --methods: unknown method "umap"; choose from fft, exact, sklearn$/],
      [['--data', 'mnist', '--n', '20'], /^bench:tsne: --n: t-SNE at perplexity 30 needs at least 32 points; got 20$/],
      [['--n', '100'], /^bench:tsne: bench:tsne needs --data; usage: /],
      [['--data', join(scratch, 'none.npy'), '--n', '100'], /^bench:tsne: .*none\.npy: no such file; /],
    ];
    for (const [args, line] of cases) {
      const r = bench('bad', args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(line);
      expect(r.left).toEqual([]);
    }
  });

  it('tsne.csv read back in the subset\'s order; rows other than the subset\'s are refused', () => {
    const csv = 'index,x,y,label\n2,0.5,1.5,7\n5,2.5,3.5,1\n9,4.5,5.5,0\n';
    expect(Array.from(mapInOrder(csv, [9, 2, 5]))).toEqual([4.5, 5.5, 0.5, 1.5, 2.5, 3.5]);
    expect(() => mapInOrder(csv, [9, 2, 4])).toThrow(/tsne\.csv holds other rows than the bench's subset of 3/);
    expect(() => mapInOrder(csv, [9, 2])).toThrow(/other rows/);
  });

  it.skipIf(!sklearnHere)('fft, exact and scikit-learn on the same 300 digits: every map gets T(5) from sklearn.manifold.trustworthiness', () => {
    const r = bench('all', ['--data', 'mnist', '--n', '300', '--methods', 'fft,exact,sklearn', '--seed', '0']);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(r.left, 'temporary files removed').toEqual([]);
    const res = readResult(r.json);
    for (const k of ['version', 'commit', 'adapter', 'cpu', 'date', 'command', 'machine']) expect(res[k], k).toBeTruthy();
    expect(res.command).toBe(`npm run bench:tsne -- --data mnist --n 300 --methods fft,exact,sklearn --seed 0 --json ${r.json}`);
    expect(res.notes.join(' ')).toMatch(/interpolated Z.*Barnes-Hut estimate/);
    expect(res.t5_points).toBe(300);
    expect(res.rows.map((row) => row.method)).toEqual(['fft', 'exact', 'sklearn']);
    for (const row of res.rows) {
      expect(row.error, row.method).toBeUndefined();
      expect([row.n, row.d], row.method).toEqual([300, 784]);
      expect(row.seconds!, row.method).toBeGreaterThan(0);
      expect(row.kl!, row.method).toBeGreaterThan(0);
      expect(row.peak_rss_mb!, row.method).toBeGreaterThan(10);
      expect(row.t5_sklearn!, row.method).toBeGreaterThan(0.8); // 300 digits map well by any of the three
      expect(row.t5_sklearn!, row.method).toBeLessThanOrEqual(1);
      expect(row.speedup_vs_sklearn, row.method).toBeCloseTo(res.rows[2].seconds! / row.seconds!, 2);
    }
    // Ours' own T(5) (on the GPU) and scikit-learn's function agree on ours' maps: the same definition on the same points.
    for (const row of res.rows.slice(0, 2)) expect(Math.abs(row.t5_ours! - row.t5_sklearn!), row.method).toBeLessThan(2e-3);
    expect(res.rows[2].t5_ours).toBeNull();
    expect(r.stdout).toMatch(/\| ours \(fft\) \| 300 \| 784 \|/);
    expect(r.stdout).toMatch(/\| scikit-learn \d+\.\d+\.\d+ \(Barnes-Hut, angle 0\.5, 2 threads\) \| 300 \| 784 \|/);
  });

  it('without a Python that has scikit-learn: the peer skipped with a note saying how to add it, not a failure', () => {
    const r = bench('skip', ['--data', 'mnist', '--n', '100', '--methods', 'exact,sklearn'], { WEBGPU_DEC_PYTHON: '/nonexistent/python3' });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(r.left).toEqual([]);
    const note = "scikit-learn peer skipped: no Python with scikit-learn (tried /nonexistent/python3); install Debian's python3-sklearn, or set WEBGPU_DEC_PYTHON";
    const res = readResult(r.json);
    expect(res.notes[0]).toBe(note);
    expect(r.stdout).toContain(note);
    expect(res.rows.map((row) => row.method)).toEqual(['exact']);
    expect(res.rows[0].t5_sklearn).toBeNull();
    expect(res.rows[0].t5_ours!).toBeGreaterThan(0.8);
    expect(res.rows[0].speedup_vs_sklearn).toBeNull();
  });
});
