// C = op(A) · op(B) [+ bias] [ReLU], with op(A)'s loads shared across a subgroup.
//   op(A): [M, K] (stored [K, M] with TRANS_A)   op(B): [K, N] (stored [N, K] with TRANS_B)
//   bias: [1, N]   C: [M, N]   masks, epilogue and split-K as in matmul.wgsl.
//
// Why: every invocation of a subgroup computes 8 rows × 8 columns of C, and all the lanes of one
// subgroup share the same 8 rows, so each element of op(A) is needed by every lane. Instead of each
// lane loading all of them (the same address in every lane, which llvmpipe before Mesa 25.1 turns
// into a serial loop per lane), lane j loads the 8 rows' values at k + j and subgroupBroadcast
// hands them to the others: per LANES steps of k, a lane makes 8 (or 2 vec4) loads of op(A)
// instead of 8·LANES. (The vec4 entry with op(A) stored [M, K] splits the round by rows instead,
// so that its 2 vec4 loads are whole: a_rows4.) op(B)'s 8 columns are the lane's own, read as vec4
// where the layout allows.
//
// Layout: a workgroup of WG invocations is WG / SG runs of SG consecutive local invocation indices
// stacked along the rows; run s covers rows [8·(wg.y·WG/SG + s), +8) and columns [8·SG·wg.x, +8·SG),
// invocation li columns [8·(SG·wg.x + li % SG), +8). The broadcasts need every lane of a subgroup
// on the same rows, so a subgroup must lie within one run: SG is the adapter's subgroup size, the
// most a subgroup holds, and drivers cut workgroups into subgroups of consecutive indices.
// Nothing else is assumed: not that a subgroup is full (lavapipe reports 32 and 64 at its widest
// and runs 16), nor that a lane's subgroup_invocation_id follows li (a lane's columns come from li,
// its share of a round's k from its lane id, which the broadcasts then read back), only that lanes
// 0 … LANES − 1 are active. The kernel choice checks the kernel against a float64 product on each
// adapter before it may pick it (src/tensor/ops/matmul-check.ts), so a driver that cuts otherwise
// costs speed, not correctness.
// Control flow stays uniform (no early return; edge rows and columns clamp their loads and mask
// their stores) because the broadcasts need every lane active.
enable subgroups;

struct Dims { M: u32, N: u32, K: u32, chunk: u32 } // chunk: K per split (split-K only)

@group(0) @binding(0) var<uniform> D: Dims;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<f32>;
@group(0) @binding(5) var<storage, read_write> C: array<f32>;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override BIAS: bool = false;
override RELU: bool = false;
override MASK_A: bool = false;
override MASK_B: bool = false;
override SPLIT_K: bool = false;
// The subgroup size the host read from the adapter (fixed there: min = max): the run of
// consecutive invocations that share rows (see Layout). The workgroup size, a multiple of it.
override SG: u32 = 8;
override WG: u32 = 64;
// Consecutive k shared per round: min(SG, 8); 4 or 8 (every WebGPU subgroup size is ≥ 4).
override LANES: u32 = 8;

// vec4 views of bindings 1, 2, 4 for matmul_subgroup_vec4 (an entry point uses one view or the other).
@group(0) @binding(1) var<storage, read> A4: array<vec4f>;
@group(0) @binding(2) var<storage, read> B4: array<vec4f>;
@group(0) @binding(4) var<storage, read> mask4: array<vec4f>;

var<private> acc: array<vec4f, 16>; // acc[2i + h]: row i, columns 4h..4h+3 of this lane's block

fn a_load(i: u32) -> f32 {
  if (MASK_A) { return select(0.0, A[i], mask[i] > 0.0); }
  return A[i];
}
fn b_load(i: u32) -> f32 {
  if (MASK_B) { return select(0.0, B[i], mask[i] > 0.0); }
  return B[i];
}
fn a4_load(i: u32) -> vec4f {
  if (MASK_A) { return select(vec4f(0.0), A4[i], mask4[i] > vec4f(0.0)); }
  return A4[i];
}
fn b4_load(i: u32) -> vec4f {
  if (MASK_B) { return select(vec4f(0.0), B4[i], mask4[i] > vec4f(0.0)); }
  return B4[i];
}

// Rows r..r+7 of op(A) at column k (r clamped to M - 1, k < K), zero where !valid: [rows 0–3, 4–7].
fn a_column(r: u32, k: u32, valid: bool) -> array<vec4f, 2> {
  var out: array<vec4f, 2>;
  let rm = D.M - 1u;
  for (var h = 0u; h < 2u; h++) {
    for (var i = 0u; i < 4u; i++) {
      let row = min(r + 4u * h + i, rm);
      out[h][i] = a_load(select(row * D.K + k, k * D.M + row, TRANS_A));
    }
  }
  if (!valid) { return array<vec4f, 2>(vec4f(0.0), vec4f(0.0)); }
  return out;
}

// Rows k..k+3 of op(B) at this lane's columns c..c+7 (indices clamped; rows past the range meet
// op(A) values of 0): out[2j + h] = row k + j, columns c + 4h .. c + 4h + 3.
fn b_rows(k: u32, c: u32) -> array<vec4f, 8> {
  var out: array<vec4f, 8>;
  let km = D.K - 1u;
  let cm = D.N - 1u;
  for (var j = 0u; j < 4u; j++) {
    let row = min(k + j, km);
    for (var h = 0u; h < 2u; h++) {
      for (var i = 0u; i < 4u; i++) {
        let col = min(c + 4u * h + i, cm);
        out[2u * j + h][i] = b_load(select(row * D.N + col, col * D.K + row, TRANS_B));
      }
    }
  }
  return out;
}

// The same through the vec4 views (M, N, K multiples of 4, so every vec4 is whole), for op(A)
// stored [K, M] (TRANS_A): rows r..r+7 at column k are 8 consecutive floats (r % 8 == 0).
fn a_column4(r: u32, k: u32, valid: bool) -> array<vec4f, 2> {
  let M4 = D.M / 4u;
  let lo = a4_load(k * M4 + min(r / 4u, M4 - 1u));
  let hi = a4_load(k * M4 + min(r / 4u + 1u, M4 - 1u));
  if (!valid) { return array<vec4f, 2>(vec4f(0.0), vec4f(0.0)); }
  return array<vec4f, 2>(lo, hi);
}

// op(A) stored [M, K] (no TRANS_A), through the vec4 views: a column of 8 rows would be one float
// of 8 different vec4s, so the round's 8 rows × LANES k are split by rows instead. This lane
// holds, as 2 vec4 along k (zero at k ≥ kend; indices clamped):
//   LANES = 8: row r + lane % 8 at k kb..kb+3 and kb+4..kb+7;
//   LANES = 4: rows r + lane % 4 and r + lane % 4 + 4 at k kb..kb+3.
// kb is a multiple of 4 (K-slices are multiples of 16), so each is one whole vec4.
fn a_rows4(r: u32, kb: u32, kend: u32, lane: u32) -> array<vec4f, 2> {
  var out: array<vec4f, 2>;
  let K4 = D.K / 4u;
  let rm = D.M - 1u;
  for (var h = 0u; h < 2u; h++) {
    var row = r + lane % 4u + 4u * h;
    var k = kb;
    if (LANES == 8u) {
      row = r + lane % 8u;
      k = kb + 4u * h;
    }
    let v = a4_load(min(row, rm) * K4 + min(k / 4u, K4 - 1u));
    out[h] = select(vec4f(0.0), v, vec4u(k) + vec4u(0u, 1u, 2u, 3u) < vec4u(kend));
  }
  return out;
}

fn b_rows4(k: u32, c: u32) -> array<vec4f, 8> {
  var out: array<vec4f, 8>;
  let cm = D.N - 1u;
  if (TRANS_B) {
    // stored [N, K]: column c holds op(B)[k..k+3, c] as one vec4; transpose 4 × 4
    let K4 = D.K / 4u;
    let k4 = min(k / 4u, K4 - 1u);
    for (var h = 0u; h < 2u; h++) {
      let s0 = b4_load(min(c + 4u * h + 0u, cm) * K4 + k4);
      let s1 = b4_load(min(c + 4u * h + 1u, cm) * K4 + k4);
      let s2 = b4_load(min(c + 4u * h + 2u, cm) * K4 + k4);
      let s3 = b4_load(min(c + 4u * h + 3u, cm) * K4 + k4);
      out[0u + h] = vec4f(s0.x, s1.x, s2.x, s3.x);
      out[2u + h] = vec4f(s0.y, s1.y, s2.y, s3.y);
      out[4u + h] = vec4f(s0.z, s1.z, s2.z, s3.z);
      out[6u + h] = vec4f(s0.w, s1.w, s2.w, s3.w);
    }
  } else {
    // stored [K, N]: each row's 8 columns are two vec4
    let N4 = D.N / 4u;
    let km = D.K - 1u;
    let c4 = min(c / 4u, N4 - 1u);
    let c4b = min(c / 4u + 1u, N4 - 1u);
    for (var j = 0u; j < 4u; j++) {
      let row = min(k + j, km);
      out[2u * j] = b4_load(row * N4 + c4);
      out[2u * j + 1u] = b4_load(row * N4 + c4b);
    }
  }
  return out;
}

// acc += op(A)[rows, k] ⊗ op(B)[k, columns] for one k: a = the 8 rows (lo, hi), b = the 8 columns.
fn rank1(lo: vec4f, hi: vec4f, b0: vec4f, b1: vec4f) {
  acc[0] += lo.x * b0;  acc[1] += lo.x * b1;
  acc[2] += lo.y * b0;  acc[3] += lo.y * b1;
  acc[4] += lo.z * b0;  acc[5] += lo.z * b1;
  acc[6] += lo.w * b0;  acc[7] += lo.w * b1;
  acc[8] += hi.x * b0;  acc[9] += hi.x * b1;
  acc[10] += hi.y * b0; acc[11] += hi.y * b1;
  acc[12] += hi.z * b0; acc[13] += hi.z * b1;
  acc[14] += hi.w * b0; acc[15] += hi.w * b1;
}

// Four k of the round: lanes 0–3 (lo) or 4–7 (hi) broadcast their columns of op(A), which meet
// rows 0–3 of b. (Broadcast lanes must be constants, hence two functions.)
fn rank4_lo(a: array<vec4f, 2>, b: array<vec4f, 8>) {
  rank1(subgroupBroadcast(a[0], 0u), subgroupBroadcast(a[1], 0u), b[0], b[1]);
  rank1(subgroupBroadcast(a[0], 1u), subgroupBroadcast(a[1], 1u), b[2], b[3]);
  rank1(subgroupBroadcast(a[0], 2u), subgroupBroadcast(a[1], 2u), b[4], b[5]);
  rank1(subgroupBroadcast(a[0], 3u), subgroupBroadcast(a[1], 3u), b[6], b[7]);
}
fn rank4_hi(a: array<vec4f, 2>, b: array<vec4f, 8>) {
  rank1(subgroupBroadcast(a[0], 4u), subgroupBroadcast(a[1], 4u), b[0], b[1]);
  rank1(subgroupBroadcast(a[0], 5u), subgroupBroadcast(a[1], 5u), b[2], b[3]);
  rank1(subgroupBroadcast(a[0], 6u), subgroupBroadcast(a[1], 6u), b[4], b[5]);
  rank1(subgroupBroadcast(a[0], 7u), subgroupBroadcast(a[1], 7u), b[6], b[7]);
}

// Lanes 0–3 (or 4–7) of v as one vec4: four rows of a_rows4's split. (Broadcast lanes must be
// constants, hence two functions.)
fn lanes_lo(v: f32) -> vec4f {
  return vec4f(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u));
}
fn lanes_hi(v: f32) -> vec4f {
  return vec4f(subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 6u), subgroupBroadcast(v, 7u));
}

// Four k of the round from a_rows4's split, meeting rows 0–3 of b. LANES = 8: lane i holds row i
// at those k in a0 (a1 unused); LANES = 4: lane i holds rows i (a0) and i + 4 (a1).
fn rank4_rows(a0: vec4f, a1: vec4f, b: array<vec4f, 8>) {
  for (var t = 0u; t < 4u; t++) {
    if (LANES == 8u) {
      rank1(lanes_lo(a0[t]), lanes_hi(a0[t]), b[2u * t], b[2u * t + 1u]);
    } else {
      rank1(lanes_lo(a0[t]), lanes_lo(a1[t]), b[2u * t], b[2u * t + 1u]);
    }
  }
}

// This invocation's first row and column, and its k range [x, y) (one K-slice with SPLIT_K).
// Columns follow li, never the lane id: lanes need not be numbered in li's order, nor fill the run.
fn origin(wg: vec3u, li: u32) -> vec2u {
  return vec2u((wg.y * (WG / SG) + li / SG) * 8u, (wg.x * SG + li % SG) * 8u);
}
fn k_range(z: u32) -> vec2u {
  if (SPLIT_K) { return vec2u(z * D.chunk, min(D.K, (z + 1u) * D.chunk)); }
  return vec2u(0u, D.K);
}

fn store(r0: u32, c0: u32, z: u32) {
  for (var i = 0u; i < 8u; i++) {
    let row = r0 + i;
    if (row >= D.M) { break; }
    for (var j = 0u; j < 8u; j++) {
      let col = c0 + j;
      if (col >= D.N) { break; }
      var y = acc[2u * i + j / 4u][j % 4u];
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

// Each round of LANES k: lane j loads op(A)'s 8 rows at k = kb + j (zero past the range), then
// every lane takes them by broadcast and meets them with its own op(B) rows.
@compute @workgroup_size(WG)
fn matmul_subgroup(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let o = origin(wg, li);
  let ks = k_range(wg.z);
  for (var kb = ks.x; kb < ks.y; kb += LANES) {
    let kk = kb + lane % LANES;
    let a = a_column(o.x, min(kk, D.K - 1u), kk < ks.y);
    rank4_lo(a, b_rows(kb, o.y));
    if (LANES == 8u) { rank4_hi(a, b_rows(kb + 4u, o.y)); }
  }
  store(o.x, o.y, wg.z);
}

// The same with vec4 loads: M, N and K multiples of 4 (and K-slices multiples of 8).
@compute @workgroup_size(WG)
fn matmul_subgroup_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let o = origin(wg, li);
  let ks = k_range(wg.z);
  for (var kb = ks.x; kb < ks.y; kb += LANES) {
    if (TRANS_A) {
      let kk = kb + lane % LANES;
      let a = a_column4(o.x, min(kk, D.K - 1u), kk < ks.y);
      rank4_lo(a, b_rows4(kb, o.y));
      if (LANES == 8u) { rank4_hi(a, b_rows4(kb + 4u, o.y)); }
    } else {
      let a = a_rows4(o.x, kb, ks.y, lane);
      if (LANES == 8u) {
        rank4_rows(a[0], a[0], b_rows4(kb, o.y));
        rank4_rows(a[1], a[1], b_rows4(kb + 4u, o.y));
      } else {
        rank4_rows(a[0], a[1], b_rows4(kb, o.y));
      }
    }
  }
  store(o.x, o.y, wg.z);
}
