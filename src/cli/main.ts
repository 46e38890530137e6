// The command line: `webgpu-dec <command> [flags]`. Errors are one line and a non-zero exit.
import { info } from './info.js';
import { train, trainUsage } from './train.js';
import { embed, embedUsage, predict, predictUsage } from './predict.js';
import { UsageError } from './args.js';
import { tsneCommand, tsneUsage } from './tsne.js';
import { reportCommand, reportUsage } from './report.js';
import { experiment, experimentUsage } from './experiment.js';

const USAGE = `usage: webgpu-dec <command> [flags]

commands:
  train                DEC: pretraining, k-means, DEC; writes config.json, metrics.json, assignments.csv,
                       model.safetensors, history.json, tsne.csv, report.html (checkpoints while it
                       runs; --resume DIR continues a run)
  predict              clusters of new data with a trained model: index,cluster,confidence[,label]
  embed                the embeddings z = f(x) of data under a trained model, as .npy
  report RUN_DIR       rebuild RUN_DIR/report.html (scores, curves, confusion matrix, t-SNE maps, montages)
  tsne                 exact t-SNE on the GPU of a data file (or of its embedding, --model): tsne.csv, .json, .svg
  experiment           the paper's experiments: "experiment imbalance" (imbalanced clusters), "experiment clusters" (choosing k)
  bench                the benchmark suites (matmul, training, wait); --json FILE, --suite, --quick
  info                 the WebGPU adapter: vendor, architecture, device, limits, features
  help                 this text ("webgpu-dec <command> --help" for a command's flags)

common flags:
  --adapter SUBSTRING  pick the adapter whose name contains SUBSTRING (or env WEBGPU_DEC_ADAPTER)`;

const commands: Record<'train' | 'predict' | 'embed' | 'tsne' | 'report' | 'experiment', [(args: string[]) => Promise<number>, string]> = {
  train: [train, trainUsage],
  predict: [predict, predictUsage],
  embed: [embed, embedUsage],
  tsne: [tsneCommand, tsneUsage],
  report: [reportCommand, reportUsage],
  experiment: [experiment, experimentUsage],
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'train':
    case 'predict':
    case 'embed':
    case 'tsne':
    case 'report':
    case 'experiment': {
      const [run, usage] = commands[command];
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(usage);
        return 0;
      }
      return run(rest);
    }
    case 'bench': {
      // The suites ship in the package (dist/bench); the tfjs peer is used where it is installed.
      const { parseBenchArgs, runBench } = await import('../../bench/run.js');
      let opts;
      try {
        opts = parseBenchArgs(rest);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      return runBench(opts);
    }
    case 'info':
      return info(parseCommon(rest));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"; run "webgpu-dec help" for the list`);
  }
}

function parseCommon(args: string[]): { adapter?: string } {
  const out: { adapter?: string } = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--adapter') out.adapter = args[++i];
    else throw new UsageError(`unknown flag "${args[i]}"`);
  }
  return out;
}
