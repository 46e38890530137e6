// The command line's conventions: --version, --help for every command, progress bars on a terminal
// and plain lines elsewhere, --json events on stdout. Run through bin/webgpu-dec.js (built dist/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedFlags, predictFlags } from '../src/cli/predict.js';
import { infoFlags } from '../src/cli/info.js';
import { trainFlags } from '../src/cli/train.js';
import { tsneFlags } from '../src/cli/tsne.js';
import type { FlagSpec } from '../src/cli/args.js';
import type { CliEvent } from '../src/cli/events.js';
import type { Reporter } from '../src/cli/reporter.js';
import { TargetUpdates } from '../src/cli/train-events.js';
import { emptyHistory, type RunHistory } from '../src/records/history.js';

/** Our environment without the terminal hints, which a test sets where it wants them. */
const { WEBGPU_DEC_STDERR_TTY: _, WEBGPU_DEC_STDERR_COLUMNS: __, ...baseEnv } = process.env;
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/webgpu-dec.js', ...args], { encoding: 'utf8', timeout: 120_000, env: { ...baseEnv, ...env } });

const version = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
const flagsOf = (spec: FlagSpec) => Object.keys(spec).map((k) => `--${k}`);

/** The tiny training run of test/cli.test.ts, without the t-SNE maps. */
const tinyTrain = (out: string) => [
  'train', '--n', '200', '--dims', '16,16,32,10', '--epochs', '2', '--max-iter', '10', '--update-interval', '5',
  '--tol', '0', '--kmeans-restarts', '2', '--raw-kmeans-restarts', '1', '--tsne-points', '0', '--seed', '4', '--out', out,
];

/** What a terminal shows after `text`: \r, \n, CSI n G (column), CSI K / 2K (erase line), CSI J (erase below). */
function screen(text: string): string[] {
  const lines = [''];
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const csi = /^\x1b\[(\d*)([A-Za-z])/.exec(text.slice(i, i + 8));
    const row = lines.length - 1;
    if (csi) {
      const [all, n, cmd] = csi;
      if (cmd === 'G') col = Number(n || 1) - 1;
      else if (cmd === 'K' && n === '2') lines[row] = '';
      else if (cmd === 'K' || cmd === 'J') lines[row] = lines[row].slice(0, col);
      i += all.length - 1;
    } else if (text[i] === '\r') col = 0;
    else if (text[i] === '\n') {
      lines.push('');
      col = 0;
    } else {
      const l = lines[row].padEnd(col);
      lines[row] = l.slice(0, col) + text[i] + l.slice(col + 1);
      col++;
    }
  }
  return lines.filter(Boolean);
}

/** stderr without Dawn's own start-up warnings. */
const errLines = (s: string) => s.split('\n').filter((l) => l && !l.startsWith('Warning: '));

describe('the command-line conventions', () => {
  it.each([['--version'], ['-v']])('%s prints the package version and exits 0', (flag) => {
    const r = cli([flag]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.stderr).toBe('');
  });

  // An adapter that is not there: a command that opened a device would fail.
  const noDevice = { WEBGPU_DEC_ADAPTER: 'no-such-adapter-xyz' };
  it.each([
    ['train', flagsOf(trainFlags)],
    ['predict', flagsOf(predictFlags)],
    ['embed', flagsOf(embedFlags)],
    ['tsne', flagsOf(tsneFlags)],
    ['info', flagsOf(infoFlags)],
    ['bench', ['--suite', '--quick', '--json', '--adapter']],
    ['report', ['RUN_DIR']],
  ])('%s --help and -h print its usage and every flag, exit 0, open no device', (command, flags) => {
    const usage = cli([command, '--help'], noDevice);
    expect(usage.status, usage.stderr).toBe(0);
    expect(usage.stderr).toBe('');
    expect(usage.stdout.startsWith(`usage: webgpu-dec ${command}`)).toBe(true);
    for (const flag of flags) expect(usage.stdout).toContain(flag);
    for (const args of [[command, '-h'], ['help', command]]) {
      const r = cli(args, noDevice);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(usage.stdout);
    }
  });
  it.each([['help'], ['help', '--help'], ['--help'], ['-h'], []])('%j lists every command and the conventions', (...args) => {
    const r = cli(args, noDevice);
    expect(r.status).toBe(0);
    for (const word of ['train', 'predict', 'embed', 'tsne', 'report', 'bench', 'info', '--json', '--version', 'Exit codes']) expect(r.stdout).toContain(word);
  });
  it('--json with bad input: nothing on stdout, one line on stderr, exit 2', () => {
    const r = cli(['train', '--json', '--k', '0', '--out', join(mkdtempSync(join(tmpdir(), 'dec-')), 'out')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(errLines(r.stderr)).toEqual(['webgpu-dec: --k must be at least 2; got 0']);
  });

  it('train --json: only JSON lines on stdout, start … target updates with ACC/NMI … done; the plain progress lines on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dec-'));
    const out = join(dir, 'out');
    const r = cli([...tinyTrain(out), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((line) => JSON.parse(line));
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe('start');
    expect(kinds.at(-1)).toBe('done');
    expect(new Set(kinds)).toEqual(new Set(['start', 'progress', 'target_update', 'checkpoint', 'done']));
    expect(events[0]).toMatchObject({ command: 'train', version, out, n: 200, d: 784, k: 10, preset: 'quick', seed: 4, resume: null });

    const progress = events.filter((e) => e.event === 'progress');
    for (const p of progress) expect(Object.keys(p).sort()).toEqual(['changed', 'elapsed_s', 'epoch', 'event', 'loss', 'phase', 'step', 'total']);
    expect(progress.map((p) => p.phase)).toEqual(['raw k-means', 'pretrain', 'k-means', 'dec']);
    expect(progress[1]).toMatchObject({ step: 8, total: 8, epoch: 2, changed: null });
    expect(progress[1].loss).toBeGreaterThan(0);

    // The target updates at iterations 0 and 5, before DEC's last report; scores against the labels.
    const updates = events.filter((e) => e.event === 'target_update');
    expect(updates.map((u) => u.iteration)).toEqual([0, 5]);
    expect(kinds.indexOf('target_update')).toBeLessThan(kinds.lastIndexOf('progress'));
    for (const u of updates) {
      expect(u.acc).toBeGreaterThan(0);
      expect(u.nmi).toBeGreaterThan(0);
    }
    expect(updates[0].changed).toBeNull();
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(updates.map(({ event: _, ...u }) => u)).toEqual(history.dec);

    const checkpoints = events.filter((e) => e.event === 'checkpoint');
    expect(checkpoints.map((c) => c.label)).toEqual(['at the start', 'after raw k-means', 'after pretraining', 'after k-means']);
    expect(checkpoints[3]).toMatchObject({ phase: 'dec', stage: 0, step: 0, file: join(out, 'checkpoint.safetensors') });

    const done = events.at(-1);
    expect(done.metrics).toEqual(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')));
    expect(done.files.map((f: string) => f.slice(out.length + 1)).sort()).toEqual(['assignments.csv', 'config.json', 'history.json', 'metrics.json', 'model.safetensors', 'report.html']);
    for (const f of done.files) expect(existsSync(f)).toBe(true);

    // stderr: today's plain lines, and the summary that stdout would otherwise carry.
    const lines = errLines(r.stderr);
    expect(r.stderr).not.toMatch(/[\x1b\0█░]/);
    const plain = /^\[[^\]]+\]  (epoch \d+  )?iter \d+\/\d+  (loss \S+  )?(changed \d+\.\d\d%  )?elapsed \d+\.\ds(  remaining ≤ \S+)?$/;
    for (const line of lines) expect(line).toMatch(/^webgpu-dec: |^DEC |^AE \+ k-means |^raw k-means |^\(NMI|^\[/);
    expect(lines.filter((l) => l.startsWith('['))).toEqual([
      expect.stringMatching(/^\[raw k-means\]  iter 0\/1  elapsed/),
      expect.stringMatching(/^\[pretrain\]  epoch 2  iter 8\/8  loss \d\.\d{4,}  elapsed/),
      expect.stringMatching(/^\[k-means\]  iter 0\/2  elapsed/),
      expect.stringMatching(/^\[dec\]  iter 10\/10  changed 0\.00%  elapsed/),
    ]);
    for (const line of lines.filter((l) => l.startsWith('['))) expect(line).toMatch(plain);
    expect(r.stderr).toMatch(/^DEC {10}ACC \d\.\d{3}/m);

    // predict --json on the run's model: start, done with the scores.
    const p = cli(['predict', '--model', join(out, 'model.safetensors'), '--data', 'mnist', '--out', join(dir, 'p.csv'), '--json']);
    expect(p.status, p.stderr).toBe(0);
    const pe = p.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(pe.map((e) => e.event)).toEqual(['start', 'done']);
    expect(pe[1].metrics).toMatchObject({ n: 10000, k: 10 });
    expect(pe[1].metrics.sizes.reduce((a: number, b: number) => a + b)).toBe(10000);
    expect(pe[1].metrics.acc).toBeGreaterThan(0);
    expect(pe[1].files).toEqual([join(dir, 'p.csv'), join(dir, 'p.metrics.json')]);
  });

  it('a resumed run reports only its own target updates, each once', () => {
    const events: CliEvent[] = [];
    const rep = { event: (e: CliEvent) => events.push(e) } as unknown as Reporter;
    const before: RunHistory = { ...emptyHistory(), dec: [{ iteration: 0, loss: 0.1, changed: null, acc: 0.5, nmi: 0.4 }, { iteration: 140, loss: 0.05, changed: 0.02, acc: 0.6, nmi: 0.5 }] };
    const live = structuredClone(before);
    const updates = new TargetUpdates(() => live, rep, before);
    updates.flush();
    live.dec.push({ iteration: 280, loss: 0.04, changed: 0.01 });
    updates.flush();
    updates.flush();
    expect(events).toEqual([{ event: 'target_update', iteration: 280, loss: 0.04, changed: 0.01, acc: null, nmi: null }]);
  });

  it('on a terminal: a bar per phase with its name, counts and stats, each leaving a summary line; other lines above it', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dec-')), 'out');
    const r = cli(tinyTrain(out), { WEBGPU_DEC_STDERR_TTY: '1', WEBGPU_DEC_STDERR_COLUMNS: '160' });
    expect(r.status, r.stderr).toBe(0);
    // cli-progress's bar (shades_classic) drawn in place, with the phase, counts and loss.
    expect(r.stderr).toMatch(/\x1b\[\d*G/);
    expect(r.stderr).toMatch(/pretrain █+ 8\/8 iter {2}epoch 2 {2}loss \d\.\d+ {2}ETA/);
    expect(r.stderr).toMatch(/k-means ░+ 0\/2 restarts/);
    expect(r.stderr).not.toContain('\0'); // the launcher removes the flush requests
    // What stays on the screen: the messages and one summary line per phase, in order; no bar.
    const shown = screen(errLines(r.stderr).join('\n') + '\n');
    expect(shown.join('\n')).not.toMatch(/[█░]/);
    expect(shown.filter((l) => l.startsWith('['))).toEqual([
      expect.stringMatching(/^\[raw k-means\] 1\/1 restarts  in \d+\.\ds$/),
      expect.stringMatching(/^\[pretrain\] 8\/8 iter  epoch 2  loss \d\.\d+  in \d+\.\ds$/),
      expect.stringMatching(/^\[k-means\] 2\/2 restarts  in \d+\.\ds$/),
      expect.stringMatching(/^\[dec\] 10\/10 iter  changed 0\.00%  in \d+\.\ds$/),
    ]);
    const at = (re: RegExp) => shown.findIndex((l) => re.test(l));
    expect(at(/checkpoint: kmeans at step 0/)).toBeGreaterThan(at(/^\[pretrain\]/)); // after the phase ended
    expect(at(/checkpoint: pretrain stage 1 at step 0/)).toBeLessThan(at(/^\[raw k-means\]/));
    for (const l of shown) expect(l).toMatch(/^webgpu-dec: |^\[/);
    // stdout: the summary, untouched by the bars.
    expect(r.stdout).toMatch(/^DEC {10}ACC \d\.\d{3}/);
    expect(r.stdout).not.toMatch(/\x1b/);
  });
});
