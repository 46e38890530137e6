// The real command line process. bin/webgpu-dec.js runs this file in a child process (to keep Dawn's
// native start-up warnings off the user's terminal) or, with WEBGPU_DEC_NO_FORK=1, in its own process.
//
// Exit codes: what main() returns, else the thrown error's `exitCode`: 2 for bad input (InputError
// and its subclasses UsageError, DataError), 3 for a lost GPU device (DeviceLostError), 130 / 143
// for a run that `train` stopped cleanly on SIGINT / SIGTERM (Interrupted); 1 for any other failure
// at run time.
//
// Signals (for whoever adds a handler, as src/cli/train.ts does for SIGINT and SIGTERM): Ctrl-C in
// a terminal reaches this process twice, once from the terminal (it signals the whole foreground
// process group) and once forwarded by the launcher (which must forward it for `kill -INT <launcher>`);
// a scheduler's SIGTERM likewise (`docker stop`, Slurm and Kubernetes signal every process of the
// job). A handler must therefore treat a second signal as the same request, not as "force quit
// now", and exit 128 + the first signal's number when it is done.
import { OptionError } from '../io/errors.js';
import { main } from './main.js';
import { flagOf } from './flag-names.js';

// The launcher talks to us over an IPC channel only so that we notice when it dies: if it is killed
// with SIGKILL it cannot forward anything, and without this rule we would keep the GPU busy for
// minutes with nobody to read the output. unref(): the channel must not keep us alive by itself.
if (process.channel) {
  process.on('disconnect', () => process.exit(129)); // 128 + SIGHUP: our controlling process went away
  process.channel.unref();
}

/** `webgpu-dec: <message>`; bad input is one line whatever its message holds. */
function report(err: unknown): number {
  const e = err as { message?: unknown; exitCode?: unknown } | null;
  const code = e && typeof e.exitCode === 'number' ? e.exitCode : 1;
  // The library names its options by field ("lr must be positive"); here they are flags ("--lr").
  let message = err instanceof OptionError ? err.render(flagOf) : e && typeof e.message === 'string' && e.message ? e.message : String(err);
  if (code === 2) message = message.replace(/\s*\n\s*/g, ' ').trim();
  console.error(`webgpu-dec: ${message}`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => process.exit(report(err)),
);
