// Writes NumPy's .npy format (version 1.0): magic, a Python-dict header padded so that the data
// starts at a multiple of 64 bytes, then little-endian float32 values in C order.
export function npyBytes(data: Float32Array, shape: number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = 10 + header.length + 1; // magic (6) + version (2) + length (2) + header + '\n'
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  const values = new DataView(out.buffer, 10 + header.length);
  data.forEach((v, i) => values.setFloat32(4 * i, v, true));
  return out;
}
