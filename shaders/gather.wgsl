// Row gather: out[r, :] = x[index[offset + r], :]     x: one chunk of [n, d], index: u32, out: [rows, d]
// Used to build shuffled minibatches on the GPU from one upload of the epoch's permutation. The
// data may be split into chunks of rows (a data set larger than one binding): one dispatch per
// chunk copies the rows whose index falls into it, [chunk_start, chunk_start + chunk_rows).
//
// Row scatter, its mirror: out[index[offset + r] - chunk_start, :] = x[r, :]
//   x: a block of [rows, d] read from a file, index: where each goes, out: one chunk of [n, d]
// Puts a file's rows, read in file order, at their places in the run's order.
//
// Both copy 32-bit values as bits (u32): rows of float32 and rows of 8-bit values packed four to a
// word (packed.wgsl) alike, NaN bit patterns included.

struct Params { rows: u32, d: u32, offset: u32, chunk_start: u32, chunk_rows: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

// Invocation (c, r) copies elements c, c + 64, … of row r; rows start at index[P.offset + r].
@compute @workgroup_size(64)
fn gather_rows(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.y;
  if (r >= P.rows) { return; }
  let i = index[P.offset + r];
  if (i < P.chunk_start || i >= P.chunk_start + P.chunk_rows) { return; }
  let src = (i - P.chunk_start) * P.d;
  for (var c = gid.x; c < P.d; c += 64u) {
    out[r * P.d + c] = x[src + c];
  }
}

// Invocation (c, r) copies elements c, c + 64, … of row r to row index[P.offset + r] (where it is in this chunk).
@compute @workgroup_size(64)
fn scatter_rows(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.y;
  if (r >= P.rows) { return; }
  let i = index[P.offset + r];
  if (i < P.chunk_start || i >= P.chunk_start + P.chunk_rows) { return; }
  let dst = (i - P.chunk_start) * P.d;
  for (var c = gid.x; c < P.d; c += 64u) {
    out[dst + c] = x[r * P.d + c];
  }
}
