// The safetensors reader and writer: round trips, the byte layout checked independently of the encoder (a file
// built by hand, the encoder's output read back byte by byte), every malformed case, and, where python3 has numpy
// or safetensors, a cross-check against an implementation that is not ours.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, readSafetensors, SafetensorsError, StTensor } from '../src/io/safetensors.js';

const sample = (): Record<string, StTensor> => ({
  'enc.0.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2.5, 3, 0.125, 1e-20, -7]) },
  'enc.0.bias': { dtype: 'F32', shape: [3], data: new Float32Array([0.5, -0.5, 42]) },
  labels: { dtype: 'U32', shape: [4], data: new Uint32Array([0, 3, 4294967295, 7]) },
  step: { dtype: 'I32', shape: [2], data: new Int32Array([-2147483648, 12]) },
});

/** Builds a file from a header given as a JSON string (or object) and raw data bytes, the way the format says. */
function build(header: string | Uint8Array | object, data: number[] | Uint8Array = [], lengthOverride?: bigint): Uint8Array {
  const json = header instanceof Uint8Array ? Buffer.from(header) : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
  return new Uint8Array(Buffer.concat([len, json, Buffer.from(data)]));
}

/** Little-endian bytes of float32 values. */
function f32le(values: number[]): number[] {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return [...b];
}

describe('safetensors round trip', () => {
  it('F32 (2-D and 1-D), U32, I32 and metadata survive encode → decode; encoding twice gives identical bytes', () => {
    const meta = { format: 'pt', epoch: '12' };
    const bytes = encodeSafetensors(sample(), meta);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual(meta);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(sample()).sort());
    for (const [name, t] of Object.entries(sample())) {
      expect(tensors[name].dtype).toBe(t.dtype);
      expect(tensors[name].shape).toEqual(t.shape);
      expect(tensors[name].data).toBeInstanceOf(t.data.constructor);
      expect(Array.from(tensors[name].data)).toEqual(Array.from(t.data));
    }
    expect(encodeSafetensors(sample(), { epoch: '12', format: 'pt' })).toEqual(bytes);
  });

  it('handles scalars, empty tensors, no metadata and subarray views', () => {
    const big = new Float32Array([9, 8, 7, 6, 5]);
    const bytes = encodeSafetensors({
      s: { dtype: 'F32', shape: [], data: new Float32Array([3.5]) },
      e: { dtype: 'I32', shape: [0, 4], data: new Int32Array(0) },
      v: { dtype: 'F32', shape: [3], data: big.subarray(1, 4) },
    });
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({});
    expect(Array.from(tensors.s.data)).toEqual([3.5]);
    expect(tensors.e.shape).toEqual([0, 4]);
    expect(tensors.e.data.length).toBe(0);
    expect(Array.from(tensors.v.data)).toEqual([8, 7, 6]);
  });

  it('decode copies the data into fresh, aligned arrays even from an odd offset in a larger buffer', () => {
    const bytes = encodeSafetensors(sample());
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    const { tensors } = decodeSafetensors(padded.subarray(3));
    expect(Array.from(tensors['enc.0.weight'].data)).toEqual(Array.from(sample()['enc.0.weight'].data));
    expect(tensors['enc.0.weight'].data.byteOffset).toBe(0);
    expect(tensors['enc.0.weight'].data.buffer).not.toBe(padded.buffer);
    // A Node Buffer (what readFileSync returns) often sits in a shared pool: each array must own exactly its bytes.
    const fromBuffer = decodeSafetensors(Buffer.from(bytes)).tensors;
    for (const t of Object.values(fromBuffer)) expect(t.data.buffer.byteLength).toBe(t.data.byteLength);
  });

  it('encode rejects a length that does not match the shape and a dtype that does not match the array (programmer errors)', () => {
    const short = { w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } } satisfies Record<string, StTensor>;
    expect(() => encodeSafetensors(short)).toThrow(/3 elements but shape \[2,2\] needs 4/);
    expect(() => encodeSafetensors({ w: { dtype: 'U32', shape: [2], data: new Float32Array(2) } })).toThrow(/is U32 but its data is a Float32Array/);
    let thrown: unknown;
    try {
      encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array(3) } });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(SafetensorsError);
  });
});

describe('safetensors byte layout', () => {
  it('reads a file built by hand byte by byte', () => {
    // Data region: b (I32 [2]) at 0..8, a (F32 [2, 2]) at 8..24: order in the data need not follow the header.
    const header = '{"__metadata__":{"note":"hand"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},'
      + '"b":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}';
    const data = Buffer.alloc(24);
    data.writeInt32LE(-5, 0);
    data.writeInt32LE(70000, 4);
    [1.5, -2, 0.25, 1024].forEach((v, i) => data.writeFloatLE(v, 8 + 4 * i));
    const { tensors, metadata } = decodeSafetensors(build(header, data), 'hand.safetensors');
    expect(metadata).toEqual({ note: 'hand' });
    expect(tensors.a).toEqual({ dtype: 'F32', shape: [2, 2], data: new Float32Array([1.5, -2, 0.25, 1024]) });
    expect(tensors.b).toEqual({ dtype: 'I32', shape: [2], data: new Int32Array([-5, 70000]) });
  });

  it("the encoder's output has the documented layout", () => {
    const bytes = encodeSafetensors({
      w: { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
      b: { dtype: 'F32', shape: [2], data: new Float32Array([-1, 0.5]) },
    }, { k: 'v' });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    const text = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
    expect((8 + n) % 8).toBe(0);
    expect(text).toMatch(/^\{.*\} *$/);
    const header = JSON.parse(text);
    expect(header).toEqual({
      __metadata__: { k: 'v' },
      b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      w: { dtype: 'F32', shape: [2, 2], data_offsets: [8, 24] },
    });
    expect(bytes.length).toBe(8 + n + 24);
    const at = (i: number): number => view.getFloat32(8 + n + 4 * i, true);
    expect([0, 1, 2, 3, 4, 5].map(at)).toEqual([-1, 0.5, 1, 2, 3, 4]);
  });
});

describe('safetensors malformed input', () => {
  const good = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array([1, 0, 0]), /3 bytes, shorter than the 8-byte header length/],
    ['header length past the end', build(good, f32le([1, 2]), 1000n), /header length 1000 is larger than the file/],
    ['header length far past 2^53', build(good, f32le([1, 2]), 2n ** 63n), /header length \d+ is larger than the file/],
    ['header not JSON', build('{"a": oops}'), /header is not valid UTF-8 JSON/],
    ['header not UTF-8', build(new Uint8Array([0x7b, 0xff, 0x7d])), /header is not valid UTF-8 JSON/],
    ['header not an object', build('[1, 2]'), /header is not a JSON object/],
    ['entry not an object', build({ a: 3 }), /tensor "a": header entry is not an object/],
    ['unknown dtype', build({ a: { dtype: 'Q7', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /dtype Q7 is unknown; supported: F32, U32, I32/],
    ['F16', build({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /dtype F16 is not supported; supported: F32, U32, I32/],
    ['BF16', build({ a: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /dtype BF16 is not supported/],
    ['F64', build({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, f32le([0, 0])), /dtype F64 is not supported/],
    ['bad shape', build({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /shape \[-1\] is not a list of non-negative/],
    ['bad offsets', build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, [0, 0, 0, 0]), /data_offsets \[4,0\] is not \[begin, end\]/],
    ['shape vs offsets', build({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32le([1, 2])),
      /shape \[3\] of F32 needs 12 bytes but .* span 8/],
    ['out of range', build({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, f32le([1, 2])),
      /data_offsets \[0, 12\] are out of range: the data is 8 bytes/],
    ['overlap', build({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    }, f32le([1, 2, 3])), /tensors "a" and "b" overlap/],
    ['hole in the middle', build({
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    }, f32le([1, 2, 3])), /hole in the data: bytes 4\.\.8/],
    ['hole at the end', build(good, f32le([1, 2, 3])), /hole in the data: bytes 8\.\.12 at the end/],
    ['metadata not strings', build({ ...good, __metadata__: { epoch: 3 } }, f32le([1, 2])), /__metadata__ value of "epoch" is 3, not a string/],
    ['metadata not an object', build({ ...good, __metadata__: 'x' }, f32le([1, 2])), /__metadata__ is not an object of strings/],
  ];

  it.each(cases)('%s → SafetensorsError naming the problem, exit code 2', (_, bytes, pattern) => {
    expect(() => decodeSafetensors(bytes, 'bad.safetensors')).toThrow(pattern);
    try {
      decodeSafetensors(bytes, 'bad.safetensors');
    } catch (err) {
      expect(err).toBeInstanceOf(SafetensorsError);
      expect((err as SafetensorsError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(/^bad\.safetensors: /);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('a missing file → SafetensorsError "no such file"; a real file is read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    try {
      const missing = join(dir, 'nope.safetensors');
      expect(() => readSafetensors(missing)).toThrow(SafetensorsError);
      expect(() => readSafetensors(missing)).toThrow(`${missing}: no such file`);
      const path = join(dir, 'ok.safetensors');
      writeFileSync(path, encodeSafetensors(sample(), { a: 'b' }));
      const { tensors, metadata } = readSafetensors(path);
      expect(metadata).toEqual({ a: 'b' });
      expect(Array.from(tensors.step.data)).toEqual([-2147483648, 12]);
      writeFileSync(path, new Uint8Array([1, 2]));
      expect(() => readSafetensors(path)).toThrow(new RegExp(`^${path.replace(/[.\\]/g, '\\$&')}: file is 2 bytes`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const hasPython = (module: string): boolean => spawnSync('python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
const python = (script: string, ...args: string[]): string => {
  const r = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return r.stdout;
};

// Reads our file with json + numpy, and writes one the same way, following the format's description only.
const numpyScript = `
import json, struct, sys
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
raw = open(src, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
kinds = {'F32': '<f4', 'U32': '<u4', 'I32': '<i4'}
out = {'metadata': header.pop('__metadata__', {}), 'tensors': {}}
for name, t in header.items():
    b, e = t['data_offsets']
    a = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=kinds[t['dtype']]).reshape(t['shape'])
    out['tensors'][name] = {'dtype': t['dtype'], 'shape': list(a.shape), 'data': a.ravel().tolist()}
arrays = {'x': np.arange(6, dtype='<f4').reshape(2, 3) / 4, 'y': np.array([-3, 9], dtype='<i4')}
hdr, data = {'__metadata__': {'by': 'numpy'}}, b''
for name, a in arrays.items():
    hdr[name] = {'dtype': {'f': 'F32', 'i': 'I32'}[a.dtype.kind], 'shape': list(a.shape), 'data_offsets': [len(data), len(data) + a.nbytes]}
    data += a.tobytes()
h = json.dumps(hdr).encode()
open(dst, 'wb').write(struct.pack('<Q', len(h)) + h + data)
print(json.dumps(out))
`;

// The reference implementation, where installed: loads our file and saves one for us to read.
const safetensorsScript = `
import json, sys
import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file
src, dst = sys.argv[1], sys.argv[2]
out = {'tensors': {}}
with safe_open(src, framework='np') as f:
    out['metadata'] = f.metadata() or {}
    for name in f.keys():
        a = f.get_tensor(name)
        out['tensors'][name] = {'dtype': str(a.dtype), 'shape': list(a.shape), 'data': a.ravel().tolist()}
save_file({'x': np.arange(6, dtype=np.float32).reshape(2, 3) / 4, 'y': np.array([-3, 9], dtype=np.int32)}, dst, metadata={'by': 'numpy'})
print(json.dumps(out))
`;

describe('safetensors cross-check with python', () => {
  const crossCheck = (script: string, dtypeName: (d: string) => string): void => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    try {
      const ours = join(dir, 'ours.safetensors');
      const theirs = join(dir, 'theirs.safetensors');
      writeFileSync(ours, encodeSafetensors(sample(), { format: 'np' }));
      const read = JSON.parse(python(script, ours, theirs));
      expect(read.metadata).toEqual({ format: 'np' });
      for (const [name, t] of Object.entries(sample())) {
        expect(read.tensors[name]).toEqual({ dtype: dtypeName(t.dtype), shape: t.shape, data: Array.from(t.data) });
      }
      const { tensors, metadata } = readSafetensors(theirs);
      expect(metadata).toEqual({ by: 'numpy' });
      expect(tensors.x).toEqual({ dtype: 'F32', shape: [2, 3], data: new Float32Array([0, 0.25, 0.5, 0.75, 1, 1.25]) });
      expect(tensors.y).toEqual({ dtype: 'I32', shape: [2], data: new Int32Array([-3, 9]) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.skipIf(!hasPython('numpy'))('numpy reads our file and we read a file numpy wrote', () => {
    crossCheck(numpyScript, (d) => d);
  });

  it.skipIf(!hasPython('safetensors.numpy'))('the reference safetensors package reads our file and we read its file', () => {
    crossCheck(safetensorsScript, (d) => ({ F32: 'float32', U32: 'uint32', I32: 'int32' })[d] ?? d);
  });
});
