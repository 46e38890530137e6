// 8-bit rows held four values to a u32 word: row r of a chunk is words [r·W, (r+1)·W), its value c
// in byte c % 4 (little-endian) of word c / 4, W = ceil(d / 4). The values are unpacked through a
// 256-entry table of the preprocessed values (table[v] = factor · v / divisor, computed on the host
// by the function the float32 path uses), so they equal that path's values exactly.
//
//   unpack_rows: out[dst_row + r, c] = table[byte c of words row src_row + r]
//     words: one chunk of [n, W] u32, table: [256] f32, out: [*, d] f32; r < rows, c < d

struct Params { rows: u32, d: u32, words: u32, src_row: u32, dst_row: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> words: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// Invocation (c, r) unpacks values c, c + 64, … of row r.
@compute @workgroup_size(64)
fn unpack_rows(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.y;
  if (r >= P.rows) { return; }
  let src = (P.src_row + r) * P.words;
  let dst = (P.dst_row + r) * P.d;
  for (var c = gid.x; c < P.d; c += 64u) {
    let v = (words[src + c / 4u] >> (8u * (c % 4u))) & 255u;
    out[dst + c] = table[v];
  }
}
