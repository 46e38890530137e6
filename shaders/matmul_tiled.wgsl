// C = op(A) · op(B) [+ bias] [ReLU] through workgroup memory: the kernel for GPUs.
//   op(A): [M, K] (stored [K, M] with TRANS_A)   op(B): [K, N] (stored [N, K] with TRANS_B)
//   bias: [1, N]   C: [M, N]   masks, epilogue and split-K as in matmul.wgsl.
//
// A workgroup of 8 × 8 invocations computes a 32 × 32 tile of C, each invocation a 4 × 4 block.
// K is walked 16 at a time: the workgroup copies a 32 × 16 tile of op(A) and a 16 × 32 tile of
// op(B) into workgroup memory (each invocation loads 2 vec4 of each where the layout allows:
// along the stored rows, whatever the transpose), waits, then every invocation reads its 4 rows
// and 4 columns as vec4 from there for 16 rank-1 updates. On a GPU each element of the tiles is
// loaded from global memory once per workgroup instead of once per invocation that needs it.
// (On llvmpipe every barrier switches between the workgroup's lane groups on one CPU thread: there
// the register-blocked kernels of matmul.wgsl / matmul_subgroup.wgsl are faster.)
// Out-of-range elements are loaded as 0 (rows, columns and k past the edges), so the tile loop has
// no edge cases; stores are masked. Barriers stay in uniform control flow: no early return.

struct Dims { M: u32, N: u32, K: u32, chunk: u32 } // chunk: K per split (split-K only)

@group(0) @binding(0) var<uniform> D: Dims;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<f32>;
@group(0) @binding(5) var<storage, read_write> C: array<f32>;

// vec4 views of bindings 1, 2, 4 for matmul_tiled_vec4 (an entry point uses one view or the other).
@group(0) @binding(1) var<storage, read> A4: array<vec4f>;
@group(0) @binding(2) var<storage, read> B4: array<vec4f>;
@group(0) @binding(4) var<storage, read> mask4: array<vec4f>;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override BIAS: bool = false;
override RELU: bool = false;
override MASK_A: bool = false;
override MASK_B: bool = false;
override SPLIT_K: bool = false;

const TM = 32u; // tile rows (of C and op(A))
const TN = 32u; // tile columns (of C and op(B))
const TK = 16u; // k per tile

// As[k][m / 4] holds op(A)[m0 + m, k0 + k] in component m % 4; Bs[k][n / 4] likewise for op(B).
var<workgroup> As: array<array<vec4f, 8>, 16>;
var<workgroup> Bs: array<array<vec4f, 8>, 16>;

fn a_at(r: u32, k: u32, k1: u32) -> f32 {
  if (r >= D.M || k >= k1) { return 0.0; }
  let i = select(r * D.K + k, k * D.M + r, TRANS_A);
  if (MASK_A) { return select(0.0, A[i], mask[i] > 0.0); }
  return A[i];
}
fn b_at(k: u32, c: u32, k1: u32) -> f32 {
  if (c >= D.N || k >= k1) { return 0.0; }
  let i = select(k * D.N + c, c * D.K + k, TRANS_B);
  if (MASK_B) { return select(0.0, B[i], mask[i] > 0.0); }
  return B[i];
}
// A vec4 of 4 consecutive stored floats at vec4 index i, or 0 where `inside` is false.
fn a4_at(i: u32, inside: bool) -> vec4f {
  if (!inside) { return vec4f(0.0); }
  if (MASK_A) { return select(vec4f(0.0), A4[i], mask4[i] > vec4f(0.0)); }
  return A4[i];
}
fn b4_at(i: u32, inside: bool) -> vec4f {
  if (!inside) { return vec4f(0.0); }
  if (MASK_B) { return select(vec4f(0.0), B4[i], mask4[i] > vec4f(0.0)); }
  return B4[i];
}

// The tiles at k0, scalar loads: element e = 4t + i + 256p of each, k-major, so that neighbouring
// invocations read neighbouring m (or n): contiguous in memory for the transposed layouts.
fn load_tiles(t: u32, m0: u32, n0: u32, k0: u32, k1: u32) {
  for (var e = 4u * t; e < 512u; e += 256u) {
    for (var i = 0u; i < 4u; i++) {
      let k = (e + i) / 32u;
      let j = (e + i) % 32u;
      As[k][j / 4u][j % 4u] = a_at(m0 + j, k0 + k, k1);
      Bs[k][j / 4u][j % 4u] = b_at(k0 + k, n0 + j, k1);
    }
  }
}

// The tiles at k0 through the vec4 views (M, N, K and k1 multiples of 4, so a vec4 is inside or
// outside whole): 128 vec4 of each tile, loaded along the stored rows whatever the transpose. Where
// the stored rows run along the tile's (op(A) stored [K, M], op(B) stored [K, N]) invocation t
// loads vec4 t and t + 64 and stores each whole. Otherwise a stored vec4 holds 4 k of one m (or
// n), which the tile wants spread over 4 vec4: invocation u of 32 (A: t < 32, B: t ≥ 32) loads a
// 4 × 4 block, 4 consecutive m at 4 consecutive k, and stores its transpose as 4 whole vec4.
// Why whole: WGSL lets a write to one component of a vector in memory touch all of it, so lanes
// writing different components of one workgroup vec4 race (on D3D12 the store is a read-modify-
// write of the whole vec4).
fn load_tiles4(t: u32, m0: u32, n0: u32, k0: u32, k1: u32) {
  if (TRANS_A) { // stored [K, M]: row k, 4 consecutive m
    for (var v = t; v < 128u; v += 64u) {
      let k = v / 8u; let m = (v % 8u) * 4u;
      As[k][m / 4u] = a4_at(((k0 + k) * D.M + m0 + m) / 4u, k0 + k < k1 && m0 + m < D.M);
    }
  } else if (t < 32u) { // stored [M, K]: rows m .. m + 3, 4 consecutive k each
    let m = (t / 4u) * 4u; let k = (t % 4u) * 4u;
    var x: array<vec4f, 4>;
    for (var j = 0u; j < 4u; j++) { x[j] = a4_at(((m0 + m + j) * D.K + k0 + k) / 4u, k0 + k < k1 && m0 + m + j < D.M); }
    for (var i = 0u; i < 4u; i++) { As[k + i][m / 4u] = vec4f(x[0][i], x[1][i], x[2][i], x[3][i]); }
  }
  if (!TRANS_B) { // stored [K, N]: row k, 4 consecutive n
    for (var v = t; v < 128u; v += 64u) {
      let k = v / 8u; let n = (v % 8u) * 4u;
      Bs[k][n / 4u] = b4_at(((k0 + k) * D.N + n0 + n) / 4u, k0 + k < k1 && n0 + n < D.N);
    }
  } else if (t >= 32u) { // stored [N, K]: rows n .. n + 3, 4 consecutive k each
    let u = t - 32u;
    let n = (u / 4u) * 4u; let k = (u % 4u) * 4u;
    var x: array<vec4f, 4>;
    for (var j = 0u; j < 4u; j++) { x[j] = b4_at(((n0 + n + j) * D.K + k0 + k) / 4u, k0 + k < k1 && n0 + n + j < D.N); }
    for (var i = 0u; i < 4u; i++) { Bs[k + i][n / 4u] = vec4f(x[0][i], x[1][i], x[2][i], x[3][i]); }
  }
}

var<private> acc: array<vec4f, 4>; // acc[i]: row 4·lid.y + i, columns 4·lid.x .. + 3

// 16 rank-1 updates from the tiles: this invocation's 4 rows and 4 columns as vec4.
fn accumulate(lid: vec3u) {
  for (var k = 0u; k < TK; k++) {
    let a = As[k][lid.y];
    let b = Bs[k][lid.x];
    acc[0] += a.x * b;
    acc[1] += a.y * b;
    acc[2] += a.z * b;
    acc[3] += a.w * b;
  }
}

fn k_range(z: u32) -> vec2u {
  if (SPLIT_K) { return vec2u(z * D.chunk, min(D.K, (z + 1u) * D.chunk)); }
  return vec2u(0u, D.K);
}

fn store(m0: u32, n0: u32, lid: vec3u, z: u32) {
  for (var i = 0u; i < 4u; i++) {
    let row = m0 + 4u * lid.y + i;
    if (row >= D.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = n0 + 4u * lid.x + j;
      if (col >= D.N) { break; }
      var y = acc[i][j];
      if (SPLIT_K) {
        C[z * D.M * D.N + row * D.N + col] = y;
      } else {
        if (BIAS) { y += bias[col]; }
        if (RELU) { y = max(y, 0.0); }
        C[row * D.N + col] = y;
      }
    }
  }
}

@compute @workgroup_size(8, 8)
fn matmul_tiled(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let ks = k_range(wg.z);
  for (var kt = ks.x; kt < ks.y; kt += TK) {
    load_tiles(lid.y * 8u + lid.x, wg.y * TM, wg.x * TN, kt, ks.y);
    workgroupBarrier();
    accumulate(lid);
    workgroupBarrier();
  }
  store(wg.y * TM, wg.x * TN, lid, wg.z);
}

// The same with vec4 loads: M, N and K multiples of 4 (K-slices are multiples of 16).
@compute @workgroup_size(8, 8)
fn matmul_tiled_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let ks = k_range(wg.z);
  for (var kt = ks.x; kt < ks.y; kt += TK) {
    load_tiles4(lid.y * 8u + lid.x, wg.y * TM, wg.x * TN, kt, ks.y);
    workgroupBarrier();
    accumulate(lid);
    workgroupBarrier();
  }
  store(wg.y * TM, wg.x * TN, lid, wg.z);
}
