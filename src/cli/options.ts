// The one table between the command line and the library: each flag that sets a library option,
// and that option's field. overridesOf reads the run's flags through it, and a library error that
// names an option field (OptionError: "lr must be positive") is rendered with the flag instead
// ("--lr must be positive").
import type { ReadOptions } from '../data/load.js';
import type { OptionName } from '../io/errors.js';
import type { Overrides } from '../run/config.js';
import type { Flags } from './args.js';
import { say } from './reporter.js';

/** The flags of `train` (and the experiments) that are run settings: flag → Overrides field. */
export const OVERRIDE_FLAGS = {
  preset: 'preset',
  seed: 'seed',
  k: 'k',
  alpha: 'alpha',
  'update-interval': 'updateInterval',
  tol: 'tol',
  'max-iter': 'maxIter',
  'kmeans-restarts': 'kmeansRestarts',
  'raw-kmeans-restarts': 'rawKmeansRestarts',
  epochs: 'epochs',
  'pretrain-steps': 'pretrainSteps',
  'layer-iters': 'layerIters',
  'finetune-iters': 'finetuneIters',
  batch: 'batch',
  lr: 'lr',
  'lr-step': 'lrStep',
  'dec-batch': 'decBatch',
  'dec-lr': 'decLr',
  'dec-momentum': 'decMomentum',
  dims: 'dims',
  scale: 'scale',
  'scale-target': 'scaleTarget',
  'input-scale': 'inputScale',
  'tsne-points': 'tsnePoints',
  augment: 'augment',
  'aug-rotate': 'augRotate',
  'aug-shift': 'augShift',
  'recon-weight': 'reconWeight',
} as const satisfies Record<string, keyof Overrides>;

/** --gpu-memory, taken by every command that reads a data file. */
export const GPU_MEMORY_FLAG = { kind: 'size', help: "the GPU memory the data's values may take (float32; 8-bit data a quarter of that), e.g. 40G or 800M (default: a quarter of host memory); data over it are read from the file for every pass (out-of-core)" } as const;

/** How a command reads its data file: --gpu-memory, and a line on stderr every few seconds of a long pass. */
export function readOptionsOf(f: Flags, file: string): ReadOptions {
  return {
    gpuMemory: f['gpu-memory'] as number | undefined,
    onProgress: (rows, seconds) => say(`reading ${file}: ${rows.toLocaleString('en-US')} rows checked in ${seconds.toFixed(0)} s`),
  };
}

/** Every flag whose value reaches a library option, and the field that option has there. */
const FLAG_FIELDS: Record<string, string> = {
  ...OVERRIDE_FLAGS,
  data: 'data',
  labels: 'labels',
  out: 'out',
  resume: 'resume',
  perplexity: 'perplexity',
  n: 'n',
  image: 'image',
  'gpu-memory': 'gpuMemory',
};

const FIELD_FLAGS = new Map(Object.entries(FLAG_FIELDS).map(([flag, field]) => [field, `--${flag}`]));

/** How the command line names an option field in a message: its flag (the field where it has none). */
export const flagOf: OptionName = (field) => FIELD_FLAGS.get(field) ?? field;
