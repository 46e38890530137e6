/// <reference types="@webgpu/types" preserve="true" />
/**
 * `webgpu-dec`: Deep Embedded Clustering (Xie, Girshick & Farhadi, 2016) on the GPU through
 * WebGPU, from Node.
 *
 * The short way is {@link cluster}: an array in, clusters, scores and a trained model out; then
 * {@link predict} and {@link embed} apply the model to new points, {@link saveModel} and
 * {@link loadModel} keep it as model.safetensors (the file `webgpu-dec train` writes).
 *
 * The long way is the pipeline's phases on one resolved config, as the command line runs them:
 * {@link resolveConfig}, {@link upload}, {@link rawKmeansPhase}, {@link pretrainPhase},
 * {@link kmeansPhase}, {@link decPhase}, or {@link runDec} for all of them; {@link assign} is the
 * one pass that turns a model and data into soft and hard assignments.
 *
 * Every call that needs a GPU takes an optional `device` (from {@link openDevice}); without one it
 * opens its own and destroys it before returning. The engine underneath (runtime, tensors, tape,
 * ops, layers, optimisers) is `webgpu-dec/engine`.
 * @module webgpu-dec
 */
import { packageVersion } from './io/version.js';

/** This package's version (from its package.json). */
export const version: string = packageVersion();

// ---- the short way ------------------------------------------------------------------------
export { openDevice, type DeviceChoice, type OpenOptions } from './api/device.js';
export { cluster, type ClusterOptions, type ClusterResult } from './api/cluster.js';
export { predict, embed, loadModel, saveModel, modelFromBytes, type DecModel, type Prediction, type PredictOptions, type ApplyOptions } from './api/model.js';
export { tsne, type TsneCallOptions } from './api/tsne.js';
export type { TsneMethod, TsneOptions, TsneProgress, TsneResult } from './tsne/tsne.js';

// ---- data ---------------------------------------------------------------------------------
export { datasetFromArray, type ArrayShape } from './data/from-array.js';
export { loadData, type ReadOptions } from './data/load.js';
export type { RowSelection } from './data/slice.js';
export type { StreamLayout } from './data/streamed.js';
export { readMatrix } from './data/formats/open.js';
export { DataError, type Matrix, type RowFile, type BlockVisitor } from './data/formats/row-file.js';
export { prepareData, prepareDataset, type DataSpec, type PreparedData } from './data/prepare.js';
export { inMemory, rowValues, shuffle, stratifiedSubset, takeRows, type Dataset } from './data/dataset.js';
export { applyPreprocess, defaultPreprocess, type Preprocess, type ScaleMode, type ScaleRule } from './data/preprocess.js';

// ---- the pipeline's phases ----------------------------------------------------------------
export { resolveConfig, scalingOf, CONFIG_FILE, type Overrides, type RunConfig, type DataSource, type AugmentConfig } from './run/config.js';
export { presets, type Preset, type PresetName, type Sizing } from './run/presets.js';
export { upload } from './data/upload.js';
export { runDec, rawKmeansPhase, pretrainPhase, kmeansPhase, decPhase, newAutoencoder, type PhaseHooks, type RunResult } from './run/phases.js';
export { assign, encodeAll, type AssignModel, type AssignOptions, type Assignment } from './dec/assign.js';
export { kmeans, type KMeansOptions, type KMeansResult } from './kmeans/kmeans.js';
export type { DecConfig, DecResult } from './dec/dec-train.js';
export type { LayerwiseConfig, EndToEndConfig, OptimConfig } from './dec/pretrain.js';
export { Checkpoints, Interrupted, type CheckpointPolicy, type Snapshot, type Finished, type SavedMatrix, type TimedPhase } from './run/checkpoint.js';
export type { Position, TrainState } from './nn/state.js';
export { HistoryRecorder } from './run/history.js';
export type { RunHistory, PretrainEntry, DecEntry, AugmentRecord } from './records/history.js';
export { stderrProgress } from './run/progress.js';
export { DivergedError, type ProgressEvent, type ProgressSink } from './nn/loop.js';
export { tsnePhase, type StageMap } from './run/maps.js';

// ---- the model file and a run's outputs ----------------------------------------------------
export { readModel, modelBytes, modelOnGpu, MODEL_FORMAT, type ModelMeta, type LoadedModel } from './model/model-file.js';
export { predictRows, embedRows } from './model/trained-model.js';
export { modelMetaOf } from './run/outputs.js';
export { writeRunOutputs, runMetrics, MODEL_FILE } from './run/outputs.js';
export type { RunMetrics } from './records/metrics.js';
export type { StTensor, Dtype, TypedData } from './io/safetensors.js';

// ---- scores and the report ----------------------------------------------------------------
export { scores, accuracy, nmi, ari, type Scores } from './metrics/clustering.js';
export { buildReport, writeReport, readRunDir, REPORT_FILE } from './report/index.js';
export type { ReportInput, ReportMetrics, ReportImages, History, Assignments, Tsne, TsneRows, TsneInfo, TsneStageInfo } from './report/input.js';
export type { Scores as ReportScores, PretrainEntry as ReportPretrainEntry, DecEntry as ReportDecEntry } from './report/input.js';

// ---- errors and the device type -------------------------------------------------------------
export { InputError, OptionError, type OptionName } from './io/errors.js';
export { GpuError, NoAdapterError, DeviceLostError } from './gpu/errors.js';
export { Runtime } from './gpu/runtime.js';
export type { DeviceOptions } from './gpu/device.js';
