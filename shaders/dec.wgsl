// DEC (Xie, Girshick & Farhadi, 2016), one entry point per equation, the paper's symbols in comments.
//   z: [n, d] embedded points z_i = f_θ(x_i);  μ: [k, d] cluster centres;  α = P.alpha
//   q: [n, k] soft assignments q_ij;  f: [1, k] soft cluster frequencies f_j = Σ_i q_ij;  p: [n, k]
// Each entry point declares its own bindings (entry points of one module may share binding slots).

struct Params {
  n: u32,       // points in this pass
  d: u32,       // embedding dimension
  k: u32,       // clusters
  alpha: f32,   // Student's t degrees of freedom
  scale: f32,   // loss scale: 1/batch, the KL loss being a mean over the batch's points
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> mu: array<f32>;

fn sq_dist(i: u32, j: u32) -> f32 {
  var s = 0.0;
  for (var t = 0u; t < P.d; t++) {
    let e = z[i * P.d + t] - mu[j * P.d + t];
    s += e * e;
  }
  return s;
}

// ---- eq. (1) soft assignment ---------------------------------------------------------------
// q_ij = (1 + ‖z_i − μ_j‖²/α)^(−(α+1)/2) / Σ_j' (1 + ‖z_i − μ_j'‖²/α)^(−(α+1)/2)
// and w_ij = (1 + ‖z_i − μ_j‖²/α)^(−1), the factor the gradients reuse. One invocation per point.
@group(0) @binding(3) var<storage, read_write> q_out: array<f32>;  // [n, k]
@group(0) @binding(4) var<storage, read_write> w_out: array<f32>;  // [n, k]

@compute @workgroup_size(GRID_WG)
fn soft_assign(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  var total = 0.0;
  for (var j = 0u; j < P.k; j++) {
    let w = 1.0 / (1.0 + sq_dist(i, j) / P.alpha);
    // At the paper's α = 1 the power is w itself: no pow, whose error WGSL leaves to the driver
    // (exp2 and log2 of it: several ulp, more for small w).
    var num = w;
    if (P.alpha != 1.0) { num = pow(w, (P.alpha + 1.0) / 2.0); }
    q_out[i * P.k + j] = num;
    w_out[i * P.k + j] = w;
    total += num;
  }
  for (var j = 0u; j < P.k; j++) { q_out[i * P.k + j] /= total; }
}

// ---- eq. (3) target distribution -------------------------------------------------------------
// p_ij = (q_ij² / f_j) / Σ_j' (q_ij'² / f_j'), with f_j = Σ_i q_ij over the whole data set (the
// host sums q's columns first). Also the hard assignment argmax_j q_ij (lowest j on ties).
@group(0) @binding(1) var<storage, read> tq: array<f32>;         // [n, k] q
@group(0) @binding(2) var<storage, read> f: array<f32>;          // [1, k]
@group(0) @binding(3) var<storage, read_write> p_out: array<f32>; // [n, k]
@group(0) @binding(4) var<storage, read_write> hard: array<u32>;  // [n]

@compute @workgroup_size(GRID_WG)
fn target_distribution(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  var total = 0.0;
  var best = 0u;
  for (var j = 0u; j < P.k; j++) {
    let qij = tq[i * P.k + j];
    total += qij * qij / f[j];
    if (qij > tq[i * P.k + best]) { best = j; }
  }
  for (var j = 0u; j < P.k; j++) {
    let qij = tq[i * P.k + j];
    p_out[i * P.k + j] = (qij * qij / f[j]) / total;
  }
  hard[i] = best;
}

// ---- eq. (2) KL loss, eq. (4) its gradient in z, eq. (5) its gradient in μ -------------------------
// q and w come from soft_assign on the same batch; g is the upstream gradient of the loss ([1]),
// taken as 1 without reading g with UNIT_G (backward() starting from this loss: no seed needed).
@group(0) @binding(3) var<storage, read> p: array<f32>;             // [n, k]
@group(0) @binding(4) var<storage, read> q: array<f32>;             // [n, k]
@group(0) @binding(5) var<storage, read> w: array<f32>;             // [n, k]
@group(0) @binding(6) var<storage, read> g: array<f32>;             // [1]
@group(0) @binding(7) var<storage, read_write> out: array<f32>;     // see each entry point

override UNIT_G: bool = false;

fn upstream() -> f32 {
  if (UNIT_G) { return 1.0; }
  return g[0];
}

// L_i = Σ_j p_ij log(p_ij / q_ij)  (a p_ij of 0 adds 0)
fn kl_row(i: u32) -> f32 {
  var li = 0.0;
  for (var j = 0u; j < P.k; j++) {
    let pij = p[i * P.k + j];
    if (pij > 0.0) { li += pij * log(pij / q[i * P.k + j]); }
  }
  return li;
}

// L_i for each point  -> out: [n]
@compute @workgroup_size(GRID_WG)
fn kl_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = kl_row(i);
}

// L = scale · Σ_i L_i  -> out: [1]. One workgroup of 256 summing in a fixed order: the order in
// which reduce.wgsl's sum_all would sum kl_rows' output, in one dispatch instead of two.
const WG = 256u;
var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn kl_loss(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < P.n; i += WG) { s += kl_row(i); }
  partial[lid] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) { partial[lid] += partial[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = P.scale * partial[0]; }
}

// ∂L/∂z_i = g · scale · ((α+1)/α) Σ_j w_ij (p_ij − q_ij)(z_i − μ_j)  -> out: [n, d]
@compute @workgroup_size(GRID_WG)
fn kl_grad_z(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let c = upstream() * P.scale * (P.alpha + 1.0) / P.alpha;
  for (var t = 0u; t < P.d; t++) {
    var s = 0.0;
    for (var j = 0u; j < P.k; j++) {
      s += w[i * P.k + j] * (p[i * P.k + j] - q[i * P.k + j]) * (z[i * P.d + t] - mu[j * P.d + t]);
    }
    out[i * P.d + t] = c * s;
  }
}

// ∂L/∂μ_j = −g · scale · ((α+1)/α) Σ_i w_ij (p_ij − q_ij)(z_i − μ_j)  -> out: [k, d]
// One invocation per (t, j); the sum over i runs in order (deterministic).
@compute @workgroup_size(64)
fn kl_grad_mu(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  let j = gid.y;
  if (t >= P.d || j >= P.k) { return; }
  let c = upstream() * P.scale * (P.alpha + 1.0) / P.alpha;
  var s = 0.0;
  for (var i = 0u; i < P.n; i++) {
    s += w[i * P.k + j] * (p[i * P.k + j] - q[i * P.k + j]) * (z[i * P.d + t] - mu[j * P.d + t]);
  }
  out[j * P.d + t] = -c * s;
}
