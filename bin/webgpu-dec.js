#!/usr/bin/env node
// Entry point of the installed command; the TypeScript is compiled to dist/ by `npm run build`.
//
// A thin launcher: the real command line (dist/src/cli/entry.js) runs in a child process whose stderr
// passes through here, because Dawn prints start-up warnings from native code (they cannot be caught
// in JS) that would only confuse the user: on lavapipe every device prints two "artificially reduced"
// lines, and without Vulkan Dawn prints "Couldn't load Vulkan" plus a C++ source location before our
// own message says what to do. Only those exact lines are dropped; everything else goes through as
// it comes, partial lines included. stdin and stdout are the child's own (inherited), untouched.
//
// Since stdout goes straight to the terminal and stderr through here, what the child writes to stdout
// can overtake what it wrote to stderr just before (a progress bar would then be drawn over the
// result). Before such output the child writes FLUSH to stderr and waits: it is removed from the
// stream, and once everything before it is written here the child gets "stderr-flushed" over IPC
// (src/cli/flush.ts).
//
// Environment:
//   WEBGPU_DEC_NO_FORK=1     run the command in this process (for debugging, e.g. node --inspect);
//                            Dawn's warnings then show.
//   WEBGPU_DEC_STDERR_TTY=1  set by the launcher for the child when the launcher's stderr is a
//                            terminal, since the child's stderr is a pipe: progress bars may still
//                            be drawn (src/cli/progress-bar.ts). Set by the user, it wins: 0 gives
//                            plain progress lines on a terminal, 1 bars anywhere.
//   WEBGPU_DEC_STDERR_COLUMNS  the terminal's width, for the bars (set with the above).
// NODE_OPTIONS reaches the child through the environment.
//
// Exit code: the child's; 128 + the signal number when the child dies from a signal (130 for
// SIGINT, 137 for SIGKILL). The imports are built-in modules only, to keep start-up cheap.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const entryUrl = new URL('../dist/src/cli/entry.js', import.meta.url);

/** Dawn's known start-up warnings (whole lines). */
const dawnLimitWarning =
  /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;
const dawnNoVulkan = /^Warning: Couldn't load Vulkan: /;
/** After "Couldn't load Vulkan": Dawn's source location, then one empty line. */
const dawnLocation = /^ +at .* \(.*BackendVk\.cpp:\d+\)$/;
/** The child's request to be told when its stderr so far is written (the same in src/cli/flush.ts). */
const FLUSH = '\u0000webgpu-dec:flush\u0000';

function launch() {
  const env = { ...process.env };
  if (process.stderr.isTTY) {
    env.WEBGPU_DEC_STDERR_TTY ??= '1';
    if (process.stderr.columns) env.WEBGPU_DEC_STDERR_COLUMNS ??= String(process.stderr.columns);
  }
  // 'ipc' only so that the child notices our death (SIGKILL included) and exits; see entry.ts.
  const entry = fileURLToPath(entryUrl);
  const child = spawn(process.execPath, [entry, ...process.argv.slice(2)], { stdio: ['inherit', 'inherit', 'pipe', 'ipc'], env });

  // Ctrl-C signals the whole foreground process group, so the child gets SIGINT from the terminal
  // anyway; we forward it too, for `kill -INT <launcher pid>` (the child copes with getting it
  // twice). SIGTERM likewise: `docker stop` and Kubernetes signal only us (the container's first
  // process), Slurm and `kill -- -PGID` the whole group; `train` checkpoints on either and exits 143.
  // We never die from these ourselves: we exit with the child's code once it has exited.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));

  // A closed stderr (say `2>&1 | head`) must not kill the launcher and leave the child orphaned.
  process.stderr.on('error', () => {});

  let partial = ''; // the start of a line that may still turn out to be one of Dawn's warnings
  let passing = false; // the current line is already known to be ours and partly written
  let afterVulkan = 0; // 1: the location line may follow, 2: the empty line may follow
  let held = ''; // the start of a FLUSH split across chunks

  /** The text without FLUSH requests, and how many there were. */
  const unflush = (chunk) => {
    let text = held + chunk;
    held = '';
    const parts = text.split(FLUSH);
    text = parts.join('');
    const z = text.lastIndexOf('\u0000');
    if (z >= 0 && FLUSH.startsWith(text.slice(z))) {
      held = text.slice(z);
      text = text.slice(0, z);
    }
    return [text, parts.length - 1];
  };

  /** Whether a whole line (without its newline) is Dawn's noise. */
  const drop = (raw) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const state = afterVulkan;
    afterVulkan = 0;
    if (dawnNoVulkan.test(line)) {
      afterVulkan = 1;
      return true;
    }
    if (dawnLimitWarning.test(line)) return true;
    if (state === 1 && dawnLocation.test(line)) {
      afterVulkan = 2;
      return true;
    }
    return state === 2 && line === '';
  };
  /** Whether text with no newline yet could still become a line that drop() removes. */
  const mayDrop = (text) =>
    text.startsWith('Warning: ') ||
    'Warning: '.startsWith(text) ||
    (afterVulkan === 1 && /^ *(a|at( .*)?)?$/.test(text)) ||
    (afterVulkan === 2 && text === '\r');

  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    const [unflushed, flushes] = unflush(chunk);
    const text = partial + unflushed;
    partial = '';
    let out = '';
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; from = nl + 1, nl = text.indexOf('\n', from)) {
      const line = text.slice(from, nl);
      if (passing || !drop(line)) out += line + '\n';
      passing = false;
    }
    const rest = text.slice(from);
    if (rest && (passing || !mayDrop(rest))) {
      // Ours for sure: written now (a progress bar redrawn with \r never ends its line).
      out += rest;
      passing = true;
      afterVulkan = 0;
    } else partial = rest;
    if (out) process.stderr.write(out);
    if (flushes) {
      process.stderr.write('', () => {
        for (let i = 0; i < flushes && child.connected; i++) child.send('stderr-flushed', () => {});
      });
    }
  });

  child.on('error', (err) => {
    process.stderr.write(`webgpu-dec: cannot start ${entry}: ${err.message}\n`);
    process.exit(1);
  });
  // 'close' comes after the child's stderr has ended, so nothing is lost.
  child.on('close', (code, signal) => {
    if (partial && !drop(partial)) process.stderr.write(partial);
    const status = signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1);
    process.exitCode = status; // should the callback never come (stderr closed)
    process.stderr.write('', () => process.exit(status));
  });
}

if (process.env.WEBGPU_DEC_NO_FORK === '1') await import(entryUrl.href);
else launch();
