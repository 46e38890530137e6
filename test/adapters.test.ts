// The adapter by number: `info --adapters` lists what Dawn can open, `--adapter N` and
// WEBGPU_DEC_ADAPTER=N open number N of that list, a name opens the first adapter whose name contains
// it. Two drivers make two adapters here: lavapipe and SwiftShader (Debian's chromium ships it), both
// named in VK_ICD_FILENAMES of the child processes (shared/software-gpu.md).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adaptersOfDawnMessage } from '../src/gpu/adapters.js';
import { onDevice, type Job } from '../src/run/job.js';
import type { Runtime } from '../src/gpu/runtime.js';
import type { RunConfig } from '../src/run/config.js';
import { PRODUCT_CLASSES } from '../src/tensor/ops/matmul-classes.js';

const LAVAPIPE = '/usr/share/vulkan/icd.d/lvp_icd.json';
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const both = existsSync(LAVAPIPE) && existsSync(SWIFTSHADER);
const noBoth = both ? '' : ` (skipped: needs ${SWIFTSHADER} (bash scripts/install-chromium.sh) and ${LAVAPIPE})`;
const twoDrivers = { VK_ICD_FILENAMES: `${LAVAPIPE}:${SWIFTSHADER}`, WEBGPU_DEC_ADAPTER: '' };

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/webgpu-dec.js', ...args], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...twoDrivers, ...env } });
/** Our own lines on stderr (not Dawn's or the Vulkan loader's warnings). */
const ours = (s: string) => s.split('\n').filter((l) => l.startsWith('webgpu-dec'));

const TINY = ['--n', '200', '--dims', '16,16,10', '--pretrain-steps', '20', '--max-iter', '20', '--kmeans-restarts', '1', '--raw-kmeans-restarts', '0', '--tsne-points', '0'];

/** `info --adapters`' rows: number and name. */
function listed(): { index: number; name: string }[] {
  const r = cli(['info', '--adapters']);
  expect(r.status, r.stderr).toBe(0);
  const [head, ...rows] = r.stdout.trim().split('\n');
  expect(head).toMatch(/^#\s+name\s+backend\s+vendor \/ architecture\s+subgroup sizes\s+storage binding\s+buffer$/);
  return rows.map((row) => {
    const m = /^(\d+)\s+(.+?)\s{2,}vulkan\s/.exec(row);
    expect(m, row).not.toBeNull();
    return { index: Number(m![1]), name: m![2] };
  });
}

describe.skipIf(!both)(`adapters by number, with lavapipe and SwiftShader${noBoth}`, () => {
  it('info --adapters lists both, numbered 0 … n−1, with their subgroup sizes and largest buffers', () => {
    const r = cli(['info', '--adapters']);
    expect(r.status, r.stderr).toBe(0);
    const list = listed();
    expect(list.map((a) => a.index)).toEqual([0, 1]);
    expect(list.map((a) => a.name).sort()).toEqual([expect.stringMatching(/^SwiftShader/), expect.stringMatching(/^llvmpipe/)]);
    // SwiftShader runs subgroups of 4, lavapipe (256-bit vectors) of 8.
    expect(r.stdout).toMatch(/^\d+\s+SwiftShader.*\bvulkan\s+google \/ swiftshader\s+4\s+\d[\d.]* [MG]iB\s+\d[\d.]* [MG]iB$/m);
    expect(r.stdout).toMatch(/^\d+\s+llvmpipe.*\bvulkan\s+mesa \/ software\s+8\s+\d[\d.]* [MG]iB\s+\d[\d.]* [MG]iB$/m);
    // The same order every time (Dawn's enumeration, not the order of the ICD files).
    expect(listed()).toEqual(list);
  });

  it('train --adapter N (its number) and --adapter Swift both train on SwiftShader; metrics.json and config.json name it', () => {
    const swift = listed().find((a) => a.name.startsWith('SwiftShader'))!;
    for (const pick of [String(swift.index), 'Swift']) {
      const out = join(mkdtempSync(join(tmpdir(), 'dec-adapter-')), 'run');
      const r = cli(['train', ...TINY, '--adapter', pick, '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/adapter google \/ swiftshader/);
      const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(metrics.adapter, pick).toMatch(/^google \/ swiftshader \/ .*SwiftShader/);
      expect(config.adapter, pick).toBe(metrics.adapter);
    }
  });

  it('the other number opens the other adapter, by flag and by WEBGPU_DEC_ADAPTER alike', () => {
    const lvp = listed().find((a) => a.name.startsWith('llvmpipe'))!;
    for (const [args, env] of [[['info', '--adapter', String(lvp.index)], {}], [['info'], { WEBGPU_DEC_ADAPTER: String(lvp.index) }]] as const) {
      const r = cli([...args], env);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^device:\s+llvmpipe/m);
    }
  });

  it.each([
    [['train', ...TINY, '--adapter', '2'], {}, /^webgpu-dec: --adapter 2: no adapter 2: there are 2; the adapters are 0 \S.*, 1 \S.* \(webgpu-dec info --adapters\)$/],
    [['train', ...TINY], { WEBGPU_DEC_ADAPTER: '17' }, /^webgpu-dec: WEBGPU_DEC_ADAPTER=17: no adapter 17: there are 2; the adapters are 0 .*, 1 .*$/],
    [['info', '--adapter', 'Nvidia'], {}, /^webgpu-dec: --adapter Nvidia: no adapter's name contains "Nvidia" \(case matters\); the adapters are 0 .*, 1 .*$/],
  ])('bad adapter %j: one line naming the adapters there are, exit 2, nothing written', (args, env, message) => {
    const out = join(mkdtempSync(join(tmpdir(), 'dec-adapter-')), 'run');
    const r = cli(args[0] === 'train' ? [...args, '--out', out] : [...args], env);
    expect(r.status, r.stderr).toBe(2);
    expect(ours(r.stderr)).toHaveLength(1);
    expect(ours(r.stderr)[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});

describe("Dawn's list, read as Dawn matches a name", () => {
  const message = (...names: string[]) => `no suitable backends found\nAvailable adapters:${names.map((n) => `\n * backend: 'vulkan', name: '${n}'`).join('')}`;

  it('numbers the adapters in the order Dawn lists them', () => {
    expect(adaptersOfDawnMessage(message('SwiftShader Device (Subzero)', 'llvmpipe (LLVM 15.0.6, 256 bits)'))).toEqual([
      { index: 0, backend: 'vulkan', name: 'SwiftShader Device (Subzero)', opens: 0 },
      { index: 1, backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)', opens: 1 },
    ]);
    expect(adaptersOfDawnMessage('unrecognised backend')).toBeNull();
  });

  it('identical cards: each later one opens the first by name, so it is marked unreachable', () => {
    const list = adaptersOfDawnMessage(message('NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3'))!;
    expect(list.map((a) => a.opens)).toEqual([0, 0, 0]);
    // A name contained in an earlier one's is not reachable by its name either.
    expect(adaptersOfDawnMessage(message('GPU X Pro', 'GPU X'))!.map((a) => a.opens)).toEqual([0, 0]);
    expect(adaptersOfDawnMessage(message('GPU X', 'GPU X Pro'))!.map((a) => a.opens)).toEqual([0, 1]);
  });
});

describe('--resume on another adapter', () => {
  const products = (kernel: string) => ({ classes: Object.fromEntries(PRODUCT_CLASSES.map((c) => [c, { kernel, splitK: false }])) });
  const job = (kernel: string) => ({ cfg: { products: products(kernel), adapter: 'mesa / software / llvmpipe' } as unknown as RunConfig, ds: null, out: '/runs/a', resume: {} }) as unknown as Job;
  const rt = (subgroupSize: number | null) => ({ gpu: { subgroupSize }, adapterName: 'other / gpu' }) as unknown as Runtime;

  it('continues where the recorded product kernels run there', () => {
    expect(() => onDevice(job('blocked'), rt(null))).not.toThrow();
    expect(() => onDevice(job('subgroup'), rt(32))).not.toThrow();
  });

  it('stops with one line naming both adapters where they cannot (exit 2)', () => {
    let err: (Error & { exitCode?: number }) | null = null;
    try {
      onDevice(job('subgroup'), rt(null));
    } catch (e) {
      err = e as Error;
    }
    expect(err?.exitCode).toBe(2);
    expect(err?.message).toMatch(/^--resume \/runs\/a: the run started on adapter "mesa \/ software \/ llvmpipe" with product kernels \(wide subgroup, .*\) that adapter "other \/ gpu" cannot run; resume it where they run/);
    expect(err?.message).not.toContain('\n');
  });
});
