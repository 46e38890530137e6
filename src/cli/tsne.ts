// `webgpu-dec tsne`: t-SNE (src/tsne: exact, or sparse P with FFT-interpolated repulsion) of a data
// file, or of its embedding under a trained model, of every point or a seeded random subset: tsne.csv (index,x,y[,cluster][,label]), tsne.json (settings,
// KL, trustworthiness, time) and tsne.svg (the scatter plot), written to --out.
import { openDevice } from '../api/device.js';
import { prepareMap, runMap } from '../run/map.js';
import { fmtTime } from '../run/progress.js';
import { ADAPTER_HELP, flagHelp, parseFlags, UsageError, type FlagSpec } from './args.js';
import { GPU_MEMORY_FLAG, readOptionsOf } from './options.js';
import { Reporter } from './reporter.js';

export const tsneFlags: FlagSpec = {
  data: { kind: 'string', help: 'mnist or a file: .npy, .csv, .idx (.gz too) (required)' },
  labels: { kind: 'string', help: 'labels for --data: a label column, and the plot coloured by label' },
  model: { kind: 'string', help: 'a model.safetensors: map its embedding z = f(x) instead of x, with its clusters' },
  n: { kind: 'int', help: 'points: a seeded random subset (stratified with labels); default every point, up to 100,000' },
  method: { kind: 'string', choices: ['auto', 'exact', 'fft'], help: 'exact (every pair), fft (sparse neighbours, FFT-interpolated repulsion) or auto (default: exact up to 3,000 points)' },
  perplexity: { kind: 'number', help: 'effective neighbours per point (default 30)' },
  iterations: { kind: 'int', help: 'gradient steps (default 1000; the first 250 with early exaggeration 12)' },
  init: { kind: 'string', choices: ['pca', 'random'], help: 'initial map: pca (default) or random N(0, 1e-4²)' },
  seed: { kind: 'int', help: 'the subset and a random initialisation (default 0)' },
  out: { kind: 'string', help: 'the folder to write tsne.csv, tsne.json and tsne.svg into (required)' },
  json: { kind: 'flag', help: 'JSON-lines events on stdout: start, progress, done (see webgpu-dec help)' },
  adapter: { kind: 'string', help: ADAPTER_HELP },
  'gpu-memory': GPU_MEMORY_FLAG,
};

export const tsneUsage = `usage: webgpu-dec tsne --data PATH [--labels PATH] [--model FILE] [--n N] [--method auto|exact|fft] [--perplexity P] [--iterations I] --out DIR [--json]\n\n${flagHelp(tsneFlags)}`;

export async function tsneCommand(args: string[]): Promise<number> {
  const f = parseFlags(args, tsneFlags);
  for (const name of ['data', 'out']) if (f[name] === undefined) throw new UsageError(`tsne needs --${name}; see webgpu-dec tsne --help`);
  if (f.n !== undefined && (f.n as number) < 3) throw new UsageError(`--n must be at least 3; got ${f.n}`);
  if (f.iterations !== undefined && (f.iterations as number) < 1) throw new UsageError(`--iterations must be at least 1; got ${f.iterations}`);
  if (f.perplexity !== undefined && !((f.perplexity as number) > 0)) throw new UsageError(`--perplexity must be positive; got ${f.perplexity}`);
  const pm = await prepareMap({
    data: f.data as string,
    labels: f.labels as string | undefined,
    model: f.model as string | undefined,
    n: f.n as number | undefined,
    method: f.method as 'auto' | 'exact' | 'fft' | undefined,
    perplexity: f.perplexity as number | undefined,
    iterations: f.iterations as number | undefined,
    init: f.init as 'pca' | 'random' | undefined,
    seed: (f.seed as number | undefined) ?? 0,
    out: f.out as string,
    read: readOptionsOf(f, f.data as string),
  });
  const rt = await openDevice({ adapter: f.adapter as string | undefined });
  const rep = new Reporter('tsne', f.json === true);
  try {
    const { info, result: r, files } = await runMap(rt, pm, {
      start: (what, m) => {
        rep.say(what);
        rep.start({ data: f.data, model: f.model ?? null, n: m, adapter: rt.adapterName });
      },
      progress: (e) => rep.tsneProgress('t-SNE', e),
      mapped: () => rep.endPhase(),
    });
    const t = r.trustworthiness === null ? '' : `  T(5) ${r.trustworthiness.toFixed(4)}`;
    rep.say(`KL ${r.kl.toFixed(4)}${t}  in ${fmtTime(r.seconds)}; wrote ${files[0]}, tsne.json, tsne.svg`);
    rep.done({ n: info.n, kl: info.kl, trustworthiness_5: info.trustworthiness_5, seconds: info.seconds }, files);
    return 0;
  } finally {
    rep.close();
    rt.destroy();
  }
}
