// A small, dependency-free reader and writer for safetensors files (https://github.com/huggingface/safetensors), the
// format model weights are saved in: 8 bytes little-endian u64 header length N, N bytes of UTF-8 JSON header
// ({name: {dtype, shape, data_offsets}, "__metadata__"?: {string: string}}), then the raw little-endian, row-major,
// tightly packed tensor bytes. Only the dtypes the engine computes with (F32, U32, I32) are supported. A malformed
// file raises a SafetensorsError: one line naming the file, what is wrong and what to do.
import { readFileSync } from 'node:fs';
import { InputError } from './errors.js';

/** The safetensors dtypes this package reads and writes. */
export type Dtype = 'F32' | 'U32' | 'I32';
/** A tensor's values, by dtype. */
export type TypedData = Float32Array | Uint32Array | Int32Array;
/** A tensor of a safetensors file: dtype, shape and values. */
export interface StTensor {
  dtype: Dtype;
  shape: number[];
  data: TypedData;
}

/** What decode and read return: the tensors by name and the header's string metadata ({} when absent). */
export interface Safetensors {
  tensors: Record<string, StTensor>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends InputError {
  constructor(file: string, what: string) {
    super(`${file}: ${what}`);
    this.name = 'SafetensorsError';
  }
}

// Every supported dtype is 4 bytes wide; the constructor both checks an array's type and makes fresh arrays.
const dtypes: Record<Dtype, { ctor: Float32ArrayConstructor | Uint32ArrayConstructor | Int32ArrayConstructor; size: number }> = {
  F32: { ctor: Float32Array, size: 4 },
  U32: { ctor: Uint32Array, size: 4 },
  I32: { ctor: Int32Array, size: 4 },
};
const supported = Object.keys(dtypes).join(', ');
// Dtypes the format defines but this reader does not: named separately so the message says "not supported", not "unknown".
const otherDtypes = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'U16', 'I16', 'F16', 'BF16', 'U64', 'I64', 'F64'];
const METADATA = '__metadata__';

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function checkTensor(name: string, t: StTensor): void {
  const spec = dtypes[t.dtype];
  if (!spec) throw new Error(`safetensors: tensor "${name}" has dtype ${t.dtype}; supported: ${supported}`);
  if (!(t.data instanceof spec.ctor)) throw new Error(`safetensors: tensor "${name}" is ${t.dtype} but its data is a ${t.data.constructor.name}`);
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`safetensors: tensor "${name}" has a bad shape [${t.shape}]`);
  if (t.data.length !== product(t.shape)) {
    throw new Error(`safetensors: tensor "${name}" has ${t.data.length} elements but shape [${t.shape}] needs ${product(t.shape)}`);
  }
  if (name === METADATA) throw new Error(`safetensors: "${METADATA}" is reserved and cannot name a tensor`);
}

/** Serialises tensors (+ optional string metadata) to safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, StTensor>, metadata?: Record<string, string>): Uint8Array {
  // Sorted names (and metadata keys) make the output a function of the input alone: same tensors, same bytes.
  const names = Object.keys(tensors).sort();
  const entries: string[] = [];
  if (metadata && Object.keys(metadata).length) {
    const meta = Object.keys(metadata).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(metadata[k]))}`);
    entries.push(`${JSON.stringify(METADATA)}:{${meta.join(',')}}`);
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    checkTensor(name, t);
    const info = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    entries.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += t.data.byteLength;
  }
  // The JSON is assembled by hand because a JS object would reorder integer-like keys ("10" before "9").
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  // Trailing spaces pad the header so the data starts 8-byte aligned, as the reference implementation does.
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const name of names) {
    const d = tensors[name].data;
    // Copies the host's bytes; every platform Node and WebGPU run on is little-endian, as the format requires.
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Validates one header entry against the size of the data region. */
function parseEntry(file: string, name: string, info: unknown, dataLen: number): Entry {
  const bad = (what: string): SafetensorsError => new SafetensorsError(file, `tensor "${name}": ${what}; the file is corrupt or not safetensors`);
  if (!isObject(info)) throw bad('header entry is not an object with dtype, shape and data_offsets');
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string') throw bad('dtype is missing or not a string');
  if (!(dtype in dtypes)) {
    const kind = otherDtypes.includes(dtype) ? 'is not supported' : 'is unknown';
    const what = `dtype ${dtype} ${kind}; supported: ${supported} (convert the tensor, e.g. to float32, and save again)`;
    throw new SafetensorsError(file, `tensor "${name}": ${what}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) throw bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    throw bad(`data_offsets ${JSON.stringify(offsets)} is not [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as number[];
  if (end > dataLen) {
    const what = `data_offsets [${begin}, ${end}] are out of range: the data is ${dataLen} bytes; the file is truncated or corrupt`;
    throw new SafetensorsError(file, `tensor "${name}": ${what}`);
  }
  const spec = dtypes[dtype as Dtype];
  const need = product(shape) * spec.size;
  if (end - begin !== need) throw bad(`shape [${shape}] of ${dtype} needs ${need} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  return { name, dtype: dtype as Dtype, shape, begin, end };
}

/** The format requires the tensors to tile the data region exactly: no overlap, no hole, nothing left over. */
function checkLayout(file: string, entries: Entry[], dataLen: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev = '';
  for (const e of sorted) {
    if (e.begin < cursor) throw new SafetensorsError(file, `tensors "${prev}" and "${e.name}" overlap (byte ${e.begin}); the file is corrupt`);
    if (e.begin > cursor) throw new SafetensorsError(file, `hole in the data: bytes ${cursor}..${e.begin} belong to no tensor; the file is corrupt`);
    cursor = e.end;
    prev = e.name;
  }
  if (cursor !== dataLen) {
    throw new SafetensorsError(file, `hole in the data: bytes ${cursor}..${dataLen} at the end belong to no tensor; the file is corrupt`);
  }
}

function parseMetadata(file: string, meta: unknown): Record<string, string> {
  if (meta === undefined) return {};
  if (!isObject(meta)) throw new SafetensorsError(file, `${METADATA} is not an object of strings; the file is corrupt`);
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v !== 'string') {
      throw new SafetensorsError(file, `${METADATA} value of "${k}" is ${JSON.stringify(v)}, not a string; the file is corrupt`);
    }
  }
  return { ...(meta as Record<string, string>) };
}

/** Splits the file into the parsed JSON header and the offset where the data region starts. */
function parseHeader(file: string, bytes: Uint8Array): { header: Record<string, unknown>; start: number } {
  if (bytes.length < 8) {
    throw new SafetensorsError(file, `file is ${bytes.length} bytes, shorter than the 8-byte header length; it is truncated or not safetensors`);
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(file, `header length ${n} is larger than the file (${bytes.length} bytes); it is truncated or not safetensors`);
  }
  const start = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, start)));
  } catch (err) {
    throw new SafetensorsError(file, `header is not valid UTF-8 JSON (${(err as Error).message}); the file is corrupt or not safetensors`);
  }
  if (!isObject(header)) throw new SafetensorsError(file, 'header is not a JSON object; the file is corrupt or not safetensors');
  return { header, start };
}

/** Parses safetensors bytes; `file` names the source in error messages. */
export function decodeSafetensors(bytes: Uint8Array, file = '<safetensors bytes>'): Safetensors {
  const { header, start } = parseHeader(file, bytes);
  const dataLen = bytes.length - start;
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA)
    .map(([name, info]) => parseEntry(file, name, info, dataLen));
  checkLayout(file, entries, dataLen);
  const tensors: Record<string, StTensor> = {};
  for (const e of entries) {
    // Copy into a fresh array: a view on `bytes` would fail at odd offsets and keep the whole file alive. Not
    // bytes.slice(): on a Buffer (what readFileSync returns) slice() is a view on the shared pool, not a copy.
    const spec = dtypes[e.dtype];
    const data = new spec.ctor((e.end - e.begin) / spec.size);
    new Uint8Array(data.buffer).set(bytes.subarray(start + e.begin, start + e.end));
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data };
  }
  return { tensors, metadata: parseMetadata(file, header[METADATA]) };
}

/** Reads a .safetensors file (errors: one line naming the file, what is wrong, what to do). */
export function readSafetensors(path: string): Safetensors {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SafetensorsError(path, 'no such file; check the path to the .safetensors file');
    throw new SafetensorsError(path, `cannot read the file (${code ?? (err as Error).message}); check that it is a readable file`);
  }
  return decodeSafetensors(bytes, path);
}

/**
 * Refuses float tensors holding NaN or ±Inf (a damaged file, or a training that diverged before it
 * was saved): an InputError naming the file, the tensor and the first bad element. A model with
 * such weights would put every point in one cluster without a word.
 */
export function checkFiniteTensors(file: string, tensors: Record<string, StTensor>, what = 'model'): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'F32') continue;
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        throw new SafetensorsError(file, `tensor "${name}" holds ${d[i]} at element ${i} of ${d.length}; the ${what} is damaged or its training diverged; train it again`);
      }
    }
  }
}
