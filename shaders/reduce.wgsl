// Sums over rows, columns or everything, and the squared-error sum of the MSE loss.
// Every sum runs in a fixed order, so results are bitwise reproducible.

struct Params {
  rows: u32,
  cols: u32,
  alpha: f32,   // result scale: 1 for a sum, 1/count for a mean
  pad: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// Mask the summand by [b > 0] (the ReLU mask fused into the bias-gradient read).
override MASK_B: bool = false;

fn term(i: u32) -> f32 {
  if (MASK_B) { return select(0.0, a[i], b[i] > 0.0); }
  return a[i];
}

// a: [rows, cols] -> out: [1, cols], out[c] = alpha · Σ_r a[r, c]
@compute @workgroup_size(64)
fn sum_rows(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= P.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < P.rows; r++) { s += term(r * P.cols + c); }
  out[c] = P.alpha * s;
}

// a: [rows, cols] -> out: [rows, 1], out[r] = alpha · Σ_c a[r, c]
@compute @workgroup_size(GRID_WG)
fn sum_cols(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = grid_index(gid, nwg);
  if (r >= P.rows) { return; }
  var s = 0.0;
  for (var c = 0u; c < P.cols; c++) { s += term(r * P.cols + c); }
  out[r] = P.alpha * s;
}

const WG = 256u;
var<workgroup> partial: array<f32, 256>;

// Tree reduction of per-invocation partial sums in one workgroup; result · alpha -> out[0].
fn reduce_to_out(lid: u32, s: f32) {
  partial[lid] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) { partial[lid] += partial[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = P.alpha * partial[0]; }
}

// a: [rows, cols] -> out: [1, 1], alpha · Σ a        (one workgroup)
@compute @workgroup_size(256)
fn sum_all(@builtin(local_invocation_index) lid: u32) {
  let n = P.rows * P.cols;
  var s = 0.0;
  for (var i = lid; i < n; i += WG) { s += term(i); }
  reduce_to_out(lid, s);
}

// MSE forward: a = prediction, b = target, both [rows, cols] -> out: [1, 1] = alpha · Σ (a − b)²
@compute @workgroup_size(256)
fn sum_sq_diff(@builtin(local_invocation_index) lid: u32) {
  let n = P.rows * P.cols;
  var s = 0.0;
  for (var i = lid; i < n; i += WG) {
    let d = a[i] - b[i];
    s += d * d;
  }
  reduce_to_out(lid, s);
}
