// Runs that survive: a run killed with SIGKILL in pretraining and again in DEC, resumed each time,
// ends exactly as an uninterrupted run; Ctrl-C (SIGINT) checkpoints and exits 130; a scheduler's
// SIGTERM checkpoints and exits 143, and resumed, ends as one run; a lost device exits 3 and keeps
// the last checkpoint, from which --resume ends as one run; a NaN stops the run with exit 1, naming
// the phase and step, and keeps the last good checkpoint. Through the command line, as a user meets it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../src/data/mnist.js';
import { npyBytes } from '../src/data/formats/npy.js';
import { Checkpoints } from '../src/run/checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'dec-resume-'));
const BIN = 'bin/webgpu-dec.js';

// A small run: 300 digits, a small network, 300 pretraining steps (layer-wise would do too), 150
// DEC iterations with a target update every 25; a checkpoint every 10 steps.
const small = ['train', '--n', '300', '--dims', '32,32,64,10', '--batch', '64', '--pretrain-steps', '300', '--max-iter', '150', '--update-interval', '25',
  '--tol', '0', '--kmeans-restarts', '2', '--raw-kmeans-restarts', '1', '--seed', '5'];

const runSync = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });

/**
 * Starts `args` in its own process group and kills the whole group with SIGKILL as soon as stderr
 * shows a line matching `when`; resolves with the stderr seen.
 */
function killWhen(args: string[], when: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (when.test(err) && child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    });
    child.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve(err) : reject(new Error(`exited ${code} before the kill:\n${err}`))));
  });
}

/**
 * Starts `args` in its own process group and, as soon as stderr shows a line matching `when`,
 * sends SIGTERM to the whole group, as `docker stop`, Kubernetes and Slurm do: the command gets it
 * twice, from the group kill and forwarded by the launcher. Resolves with the exit code and stderr.
 */
function terminateWhen(args: string[], when: RegExp): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let sent = false;
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (!sent && when.test(err) && child.exitCode === null) {
        sent = true;
        process.kill(-child.pid!, 'SIGTERM');
      }
    });
    child.on('close', (code) => resolve({ code, err }));
  });
}

/** The uninterrupted run of `small` (made once, by whichever test needs it first). */
let straightRun: string | null = null;
function straight(): string {
  if (straightRun) return straightRun;
  const dir = join(root, 'straight');
  const r = runSync([...small, '--out', dir]);
  expect(r.status, r.stderr).toBe(0);
  return (straightRun = dir);
}

/** The files a user takes away, as bytes. */
const finalFiles = (dir: string) => ({
  model: readFileSync(join(dir, 'model.safetensors')),
  assignments: readFileSync(join(dir, 'assignments.csv')),
});

const outputs = (dir: string) => {
  const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  return {
    assignments: readFileSync(join(dir, 'assignments.csv'), 'utf8'),
    scores: [m.dec, m.ae_kmeans, m.raw_kmeans, m.dec_iterations, m.stopped_by],
    // The curves (carried in the checkpoints) and the t-SNE maps (the subset's embedding after
    // pretraining is carried too) are those of the uninterrupted run.
    history: readFileSync(join(dir, 'history.json'), 'utf8'),
    tsne: existsSync(join(dir, 'tsne.csv')) ? readFileSync(join(dir, 'tsne.csv'), 'utf8') : null,
  };
};

describe('checkpoints and --resume', () => {
  it('killed (SIGKILL) in pretraining and in DEC, resumed twice: the same assignments, metrics, history and t-SNE maps as one run', async () => {
    const same = straight();

    const dir = join(root, 'killed');
    const first = await killWhen([...small, '--checkpoint-every', '10', '--out', dir], /checkpoint: pretrain stage 1 at step [1-9]\d/);
    expect(first).toMatch(/checkpoint: pretrain/);
    expect(Checkpoints.load(dir).position.phase).toBe('pretrain');
    const second = await killWhen(['train', '--resume', dir], /checkpoint: dec at step [1-9]\d/); // the run's --checkpoint-every
    expect(second).toMatch(/resuming .* at pretrain step [1-9]\d/);
    expect(Checkpoints.load(dir).position).toMatchObject({ phase: 'dec' });
    const third = runSync(['train', '--resume', dir]);
    expect(third.status, third.stderr).toBe(0);
    expect(third.stderr).toMatch(/resuming .* at dec step [1-9]\d/);
    expect(existsSync(join(dir, 'checkpoint.safetensors'))).toBe(false); // removed once the outputs are written
    expect(outputs(dir)).toEqual(outputs(same));
  });

  it('with augmentation and the reconstruction term (their draws counted in the checkpoint): killed in DEC, resumed, the same as one run', async () => {
    const augmented = [...small, '--augment', '--recon-weight', '0.1', '--tsne-points', '0'];
    const straight = join(root, 'aug-straight');
    const r = runSync([...augmented, '--out', straight]);
    expect(r.status, r.stderr).toBe(0);
    const dir = join(root, 'aug-killed');
    await killWhen([...augmented, '--checkpoint-every', '10', '--out', dir], /checkpoint: dec at step [1-9]\d/);
    expect(Checkpoints.load(dir).info['augment.step']).toBeGreaterThan(0);
    const resumed = runSync(['train', '--resume', dir]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(outputs(dir)).toEqual(outputs(straight));
  });

  it('out-of-core (the rows over --gpu-memory, read from the file a window at a time): killed in DEC, resumed, the same as one run', async () => {
    // 600 digits (every 16th: all classes) as float32 NPY files; 1.9 MB of rows against an 800 KiB
    // budget: windows of 130 rows.
    const digits = loadBundledMnist();
    const rows = Uint32Array.from({ length: 600 }, (_, i) => i * 16);
    const x = new Float32Array(600 * 784);
    rows.forEach((r, i) => x.set(digits.x!.subarray(r * 784, (r + 1) * 784), i * 784));
    const [data, labels] = [join(root, 'digits.npy'), join(root, 'labels.npy')];
    writeFileSync(data, npyBytes(x, [600, 784]));
    writeFileSync(labels, npyBytes(Float32Array.from(rows, (r) => digits.labels![r]), [600]));
    const ooc = [...small.filter((a, i) => a !== '--n' && small[i - 1] !== '--n'), '--data', data, '--labels', labels, '--gpu-memory', '800K', '--tsne-points', '0'];
    const straight = join(root, 'ooc-straight');
    const r = runSync([...ooc, '--out', straight]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/data: out-of-core \(over --gpu-memory\): read from digits\.npy in windows of 130 rows \(0\.4 MiB\) for every pass/);
    expect(JSON.parse(readFileSync(join(straight, 'metrics.json'), 'utf8')).data_mode).toEqual({ mode: 'out-of-core', window_rows: 130, block_rows: 1 });
    const dir = join(root, 'ooc-killed');
    await killWhen([...ooc, '--checkpoint-every', '10', '--out', dir], /checkpoint: dec at step [1-9]\d/);
    const resumed = runSync(['train', '--resume', dir]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/data: out-of-core/);
    expect(outputs(dir)).toEqual(outputs(straight));
    // predict out-of-core gives what it gives with the rows resident.
    const model = join(straight, 'model.safetensors');
    const [tight, roomy] = [join(root, 'ooc-pred.csv'), join(root, 'pred.csv')];
    const p = runSync(['predict', '--model', model, '--data', data, '--gpu-memory', '800K', '--out', tight]);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/data: out-of-core/);
    expect(runSync(['predict', '--model', model, '--data', data, '--out', roomy]).status).toBe(0);
    expect(readFileSync(tight, 'utf8')).toEqual(readFileSync(roomy, 'utf8'));
  });

  it('Ctrl-C (SIGINT) finishes the step, writes a checkpoint and exits 130; --resume then finishes', async () => {
    const dir = join(root, 'sigint');
    const child = spawn(process.execPath, [BIN, ...small, '--out', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let sent = false;
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (!sent && /\[pretrain\] .*iter [1-9]\d/.test(err)) sent = child.kill('SIGINT'); // one Ctrl-C
    });
    const code = await new Promise((resolve) => child.on('close', resolve)); // 'close': after stderr has ended
    expect(code, err).toBe(130);
    expect(err).toMatch(/stopping after this step/);
    expect(err.trim().split('\n').at(-1), err).toMatch(/^webgpu-dec: interrupted \(pretrain stage 1 at step \d+\); continue with: webgpu-dec train --resume /);
    expect(Checkpoints.load(dir).position.phase).toBe('pretrain');
    const resumed = runSync(['train', '--resume', dir]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(existsSync(join(dir, 'metrics.json'))).toBe(true);
  });

  it('SIGTERM (preemption, delivered twice) in pretraining and in DEC: each time the step finishes, a checkpoint, exit 143; resumed twice, the same model and assignments as one run', async () => {
    const dir = join(root, 'sigterm');
    const resumeLine = (at: string) => new RegExp(`^webgpu-dec: interrupted by SIGTERM \\(${at} at step \\d+\\); continue with: webgpu-dec train --resume ${dir}$`);
    const first = await terminateWhen([...small, '--out', dir], /\[pretrain\] .*iter [1-9]\d/);
    expect(first.code, first.err).toBe(143);
    // One request, whatever the number of signals: said once, one checkpoint after it.
    expect(first.err.match(/stopping after this step/g), first.err).toEqual(['stopping after this step']);
    expect(first.err).toMatch(/stopping after this step \(SIGTERM: a checkpoint, then exit 143\)/);
    expect(first.err.trim().split('\n').at(-1), first.err).toMatch(resumeLine('pretrain stage 1'));
    const atPretrain = Checkpoints.load(dir).position;
    expect(atPretrain.phase).toBe('pretrain');
    expect(atPretrain.step).toBeGreaterThan(0);
    expect(atPretrain.step).toBeLessThan(300);

    const second = await terminateWhen(['train', '--resume', dir], /\[dec\] .*iter [1-9]\d/);
    expect(second.code, second.err).toBe(143);
    expect(second.err).toMatch(/resuming .* at pretrain step [1-9]\d/);
    expect(second.err.trim().split('\n').at(-1), second.err).toMatch(resumeLine('dec'));
    const atDec = Checkpoints.load(dir).position;
    expect(atDec.phase).toBe('dec');
    expect(atDec.step).toBeGreaterThan(0);

    const third = runSync(['train', '--resume', dir]);
    expect(third.status, third.stderr).toBe(0);
    expect(third.stderr).toMatch(new RegExp(`resuming .* at dec step ${atDec.step}`));
    expect(finalFiles(dir)).toEqual(finalFiles(straight()));
    expect(outputs(dir)).toEqual(outputs(straight()));
  });

  it('a lost device (destroyed in DEC through the test hook): exit 3, one line naming the adapter and the reason, the last checkpoint kept; --resume finishes as one run', () => {
    const dir = join(root, 'lost');
    // WEBGPU_DEC_TEST_LOSE_DEVICE_AT (src/run/job.ts): the device goes at DEC's progress event of
    // step 40, which the checkpoint due at step 40 reports first; so the state of step 40 is never
    // read back, and the checkpoint of step 30 is the last good one.
    const lost = spawnSync(process.execPath, [BIN, ...small, '--checkpoint-every', '10', '--out', dir], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, WEBGPU_DEC_TEST_LOSE_DEVICE_AT: 'dec:40' },
    });
    expect(lost.status, lost.stderr).toBe(3);
    const lines = lost.stderr.trim().split('\n');
    const adapter = /, adapter (.*)$/m.exec(lost.stderr)![1]; // the run's first line names it
    expect(lines.at(-1)).toBe(
      `webgpu-dec: GPU device lost on adapter "${adapter}" (destroyed: device was destroyed); ` +
        `the last checkpoint (dec at step 30) is kept: continue with: webgpu-dec train --resume ${dir} (--adapter N|NAME for another GPU)`,
    );
    expect(lines.filter((l) => /device lost|^\s+at /.test(l))).toHaveLength(1); // no stack trace, said once
    expect(Checkpoints.load(dir).position).toMatchObject({ phase: 'dec', step: 30 });
    expect(existsSync(join(dir, 'metrics.json'))).toBe(false);

    const resumed = runSync(['train', '--resume', dir]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming .* at dec step 30/);
    expect(finalFiles(dir)).toEqual(finalFiles(straight()));
    expect(outputs(dir)).toEqual(outputs(straight()));
  });

  it('a NaN in training stops the run (exit 1, phase and step named) and keeps the last good checkpoint', () => {
    const dir = join(root, 'nan');
    const r = runSync(['train', '--preset', 'endtoend', '--n', '200', '--dims', '16,16,32,10', '--lr', '1e30', '--pretrain-steps', '50',
      '--raw-kmeans-restarts', '0', '--checkpoint-every', '1', '--out', dir]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^webgpu-dec: pretrain stage 1 at step \d+: \S+ became NaN or Inf; the last good checkpoint is kept/);
    const last = Checkpoints.load(dir);
    expect(last.position.phase).toBe('pretrain');
    for (const t of Object.values(last.tensors)) if (t.dtype === 'F32') expect(t.data.every(Number.isFinite)).toBe(true);
  });
});
