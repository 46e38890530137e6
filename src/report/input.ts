// What the report is built from: the files a run recorded (metrics.json, config.json,
// assignments.csv, history.json, tsne.csv + tsne.json), typed, plus the input pictures when the
// caller has them. The report never re-runs work; everything it shows is in here.

/** Scores as metrics.json holds them. */
export interface Scores {
  acc: number;
  nmi: number;
  ari: number;
}

/** metrics.json: the fields the report reads (a run may write more). */
export interface ReportMetrics {
  dec: Scores | null;
  ae_kmeans: Scores | null;
  raw_kmeans: Scores | null;
  /** Seconds per phase (pretrain, kmeans, dec, raw_kmeans, total, …), as recorded. */
  seconds: Record<string, number>;
  seed: number;
  preset: string;
  adapter: string;
  data: { name: string; n: number; d: number; k: number };
  dec_iterations?: number;
  stopped_by?: string;
  [key: string]: unknown;
}

/** history.json, format webgpu-dec-history/1: one entry per logged pretraining epoch. */
export interface PretrainEntry {
  /** e.g. "pretrain", "pretrain layer 2/4", "finetune". */
  stage: string;
  step: number;
  epoch: number;
  loss: number;
}

/** One entry per DEC target update. */
export interface DecEntry {
  iteration: number;
  /** KL(P‖Q) per point; null at iteration 0 (no target yet). */
  loss: number | null;
  /** Share of points that changed cluster since the last update; null at the first. */
  changed: number | null;
  /** Only where the data has labels. */
  acc?: number;
  nmi?: number;
}

/** history.json: the curves the report plots, and the run's augmentation where it had one. */
export interface History {
  format: string;
  pretrain: PretrainEntry[];
  dec: DecEntry[];
  /** Degrees, share of the side; input-file rows with the angle (radians) and shift (pixels) drawn for them. */
  augment?: { rotate: number; shift: number; examples: { index: number; theta: number; tx: number; ty: number }[] };
}

/** assignments.csv as columns; index is the row in the user's input file. */
export interface Assignments {
  index: Int32Array;
  cluster: Uint32Array;
  confidence: Float32Array;
  label: Int32Array | null;
}

/** tsne.csv as columns: `stage` is "pretrain" (cluster = AE+k-means) or "dec" (cluster = DEC). */
export interface TsneRows {
  index: Int32Array;
  stage: string[];
  x: Float32Array;
  y: Float32Array;
  cluster: Uint32Array;
  label: Int32Array | null;
}

/** One stage's t-SNE figures (tsne.json). */
export interface TsneStageInfo {
  kl: number;
  trustworthiness: number;
  seconds: number;
}

/** tsne.json. */
export interface TsneInfo {
  n: number;
  perplexity: number;
  iterations: number;
  stages: Record<string, TsneStageInfo>;
}

/** tsne.csv and, where present, tsne.json. */
export interface Tsne {
  rows: TsneRows;
  info: TsneInfo | null;
}

/** The input pictures, when the data are images (grayscale, height × width, row-major). */
export interface ReportImages {
  height: number;
  width: number;
  /** Pixels of the input file's row `index`: values 0..1 or 0..255, normalised per picture. */
  pixels: (index: number) => ArrayLike<number>;
}

/**
 * Everything the report is built from: a run folder's files (readRunDir), plus the input pictures
 * when the caller has them.
 */
export interface ReportInput {
  metrics: ReportMetrics;
  /** config.json as written (the resolved config); shown verbatim. */
  config: unknown;
  history: History | null;
  assignments: Assignments;
  tsne: Tsne | null;
  images: ReportImages | null;
  /** When the run finished (ISO 8601), if known: shown in the header. */
  date?: string;
}
