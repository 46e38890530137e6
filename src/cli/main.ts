// The command line: `webgpu-dec <command> [flags]`. Errors are one line and a non-zero exit.
// Conventions every command keeps: --help/-h prints its usage (exit 0, no device opened); progress
// goes to stderr (src/cli/reporter.ts); --json, where a command has it, makes stdout JSON lines only
// (src/cli/events.ts); exit codes 0 / 1 / 2 / 3 (device lost) / 130 / 143 (src/cli/entry.ts), 128 + N
// for a signal (bin/webgpu-dec.js).
//
// A command's module is loaded when that command runs (or shows its help): loading them all would
// cost every call, --version included, a second or more (the GPU runtime, Vega for the report).
import { packageVersion } from '../io/version.js';
import { UsageError } from './args.js';

const USAGE = `usage: webgpu-dec <command> [flags]

commands:
  train                DEC: pretraining, k-means, DEC; writes config.json, metrics.json, assignments.csv,
                       model.safetensors, history.json, tsne.csv, report.html (checkpoints while it
                       runs; --resume DIR continues a run)
  predict              clusters of new data with a trained model: index,cluster,confidence[,label]
  embed                the embeddings z = f(x) of data under a trained model, as .npy
  report RUN_DIR       rebuild RUN_DIR/report.html (scores, curves, confusion matrix, t-SNE maps, montages)
  tsne                 t-SNE on the GPU (exact, or FFT-accelerated) of a data file (or of its embedding, --model): tsne.csv, .json, .svg
  experiment           the paper's experiments: "experiment imbalance" (imbalanced clusters), "experiment clusters" (choosing k)
  bench                the benchmark suites (matmul, training, wait); --json FILE, --suite, --quick
  info                 the WebGPU adapter: vendor, architecture, device, limits, features;
                       info --adapters: every adapter, numbered
  help [COMMAND]       this text, or a command's flags (as "webgpu-dec COMMAND --help")

common flags:
  --adapter N|NAME     the adapter: its number in "webgpu-dec info --adapters", or a substring of its
                       name (or env WEBGPU_DEC_ADAPTER, read the same way)
  --json               train, predict, embed, tsne: JSON-lines events on stdout and nothing else there
                       ({"event": "start" | "progress" | "target_update" | "checkpoint" | "done", ...})
  -h, --help           a command's usage and flags
  -v, --version        the version

Progress goes to stderr: a bar per phase on a terminal, one line per report otherwise
(WEBGPU_DEC_STDERR_TTY=0 forces the lines, =1 the bars). Exit codes: 0 done, 1 failed at run time,
2 bad input (flags, data, files), 3 GPU device lost (train keeps its last checkpoint: --resume DIR),
130 Ctrl-C or 143 SIGTERM (train: finishes the step, writes a checkpoint; continue with --resume DIR),
128 + N killed by signal N otherwise (137 SIGKILL, 129 SIGHUP or the launcher gone).`;

type Command = [run: (args: string[]) => Promise<number>, usage: string];

/** A command whose module is imported when it is needed. */
const lazy =
  <M>(module: () => Promise<M>, pick: (m: M) => Command) =>
  async (): Promise<Command> =>
    pick(await module());

const commands: Record<string, () => Promise<Command>> = {
  train: lazy(() => import('./train.js'), (m) => [m.train, m.trainUsage]),
  predict: lazy(() => import('./predict.js'), (m) => [m.predict, m.predictUsage]),
  embed: lazy(() => import('./predict.js'), (m) => [m.embed, m.embedUsage]),
  tsne: lazy(() => import('./tsne.js'), (m) => [m.tsneCommand, m.tsneUsage]),
  report: lazy(() => import('./report.js'), (m) => [m.reportCommand, m.reportUsage]),
  experiment: lazy(() => import('./experiment.js'), (m) => [m.experiment, m.experimentUsage]),
  bench: lazy(() => import('./bench.js'), (m) => [m.benchCommand, m.benchUsage]),
  info: lazy(() => import('./info.js'), (m) => [m.infoCommand, m.infoUsage]),
};

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || isHelp(command)) return print(USAGE);
  if (command === '--version' || command === '-v') return print(packageVersion());
  if (command === 'help') {
    if (rest.length === 0 || isHelp(rest[0])) return print(USAGE);
    if (!Object.hasOwn(commands, rest[0])) throw new UsageError(`help: unknown command "${rest[0]}"; run "webgpu-dec help" for the list`);
    return print((await commands[rest[0]]())[1]);
  }
  if (!Object.hasOwn(commands, command)) throw new UsageError(`unknown command "${command}"; run "webgpu-dec help" for the list`);
  const [run, usage] = await commands[command]();
  if (rest.some(isHelp)) return print(usage);
  return run(rest);
}

function print(text: string): number {
  console.log(text);
  return 0;
}
