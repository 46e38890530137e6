// t-SNE (van der Maaten & Hinton, 2008), exact: every pair, O(n²) per iteration, no approximation.
//   x: [n, dx] input points;  D: [n, n] squared distances ‖x_i − x_j‖², then, in place, the
//   conditional p_{j|i}, then the joint p_ij = (p_{j|i} + p_{i|j}) / 2n (symmetric, zero diagonal);
//   y: [n, 2] the map;  w_ij = (1 + ‖y_i − y_j‖²)⁻¹;  Z = Σ_{k≠l} w_kl;  q_ij = w_ij / Z.
//   ∂C/∂y_i = 4 Σ_j (p_ij − q_ij) w_ij (y_i − y_j)
//           = 4 (A_i − R_i / Z),  A_i = Σ_j p_ij w_ij (y_i − y_j),  R_i = Σ_j w_ij² (y_i − y_j).
// A, R and the row sums of w come out of one pass over all pairs (`forces`); Z is the sum of the
// row sums, reduced over many workgroups (`partial_sums`, applied until one value is left); then
// `update` forms the gradient and takes the step. Entry points of the module share binding slots.

struct Params {
  n: u32,          // points
  dx: u32,         // input dimension (sq_dists); values per partial (partial_sums)
  exaggeration: f32,
  lr: f32,
  momentum: f32,
  log_perplexity: f32,  // the entropy each conditional row must reach, ln(perplexity)
  min_gain: f32,
  k: u32,          // neighbours per row (ranks)
}

@group(0) @binding(0) var<uniform> P: Params;

// ---- squared distances --------------------------------------------------------------------------

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> d2: array<f32>;

const T = 16u;
var<workgroup> xi_tile: array<array<f32, 16>, 16>;  // [row in tile][coordinate]
var<workgroup> xj_tile: array<array<f32, 16>, 16>;

// D[i, j] = Σ_t (x_it − x_jt)², a 16 × 16 tile per workgroup, coordinates 16 at a time through
// workgroup memory (each value loaded once per tile instead of once per pair). Differences, not
// ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j: no cancellation, so near neighbours keep their exact order.
@compute @workgroup_size(16, 16)
fn sq_dists(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  if (P.n == 0u) { return; } // uniform: no row to clamp the loads to (P.n − 1 would wrap)
  let i0 = wg.y * T;
  let j0 = wg.x * T;
  let i = i0 + lid.y;
  let j = j0 + lid.x;
  var s = 0.0;
  for (var t0 = 0u; t0 < P.dx; t0 += T) {
    // lid.y picks the row of the tile, lid.x the coordinate: adjacent invocations load adjacent floats.
    let t = t0 + lid.x;
    let ri = i0 + lid.y;
    let rj = j0 + lid.y;
    xi_tile[lid.y][lid.x] = select(0.0, x[min(ri, P.n - 1u) * P.dx + min(t, P.dx - 1u)], ri < P.n && t < P.dx);
    xj_tile[lid.y][lid.x] = select(0.0, x[min(rj, P.n - 1u) * P.dx + min(t, P.dx - 1u)], rj < P.n && t < P.dx);
    workgroupBarrier();
    for (var u = 0u; u < T; u++) {
      let diff = xi_tile[lid.y][u] - xj_tile[lid.x][u];
      s += diff * diff;
    }
    workgroupBarrier();
  }
  if (i < P.n && j < P.n) { d2[i * P.n + j] = select(s, 0.0, i == j); }
}

// ---- input affinities -----------------------------------------------------------------------------

@group(0) @binding(1) var<storage, read_write> pd: array<f32>;     // [n, n] D in, p_{j|i} out
@group(0) @binding(2) var<storage, read_write> beta: array<f32>;   // [n] the precision β_i found

// Row i: bisection on β_i until H(P_i) = ln(perplexity) within 1e-5 nats (at most 100 halvings,
// as scikit-learn), then p_{j|i} = exp(−β_i D_ij) / Σ_k exp(−β_i D_ik) written over D's row.
// Distances are shifted by the row's nearest neighbour before exp: the normalised row and its
// entropy do not change, and the largest term is 1, so the sum never underflows.
@compute @workgroup_size(GRID_WG)
fn perplexity_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let row = i * P.n;
  var dmin = 3.4e38;
  for (var j = 0u; j < P.n; j++) { if (j != i) { dmin = min(dmin, pd[row + j]); } }
  var b = 1.0;
  var lo = 0.0;
  var hi = 3.4e38;
  for (var step = 0u; step < 100u; step++) {
    var s = 0.0;    // Σ_j exp(−β (D_ij − dmin))
    var sd = 0.0;   // Σ_j (D_ij − dmin) exp(…)
    for (var j = 0u; j < P.n; j++) {
      if (j == i) { continue; }
      let dj = pd[row + j] - dmin;
      let e = exp(-b * dj);
      s += e;
      sd += dj * e;
    }
    let h = log(s) + b * sd / s;   // entropy of row i in nats
    let diff = h - P.log_perplexity;
    if (abs(diff) <= 1e-5) { break; }
    if (diff > 0.0) {          // too flat: sharpen
      lo = b;
      b = select(b * 2.0, (b + hi) * 0.5, hi < 3.4e38);
    } else {
      hi = b;
      b = (b + lo) * 0.5;
    }
  }
  var s = 0.0;
  for (var j = 0u; j < P.n; j++) { if (j != i) { s += exp(-b * (pd[row + j] - dmin)); } }
  for (var j = 0u; j < P.n; j++) {
    pd[row + j] = select(exp(-b * (pd[row + j] - dmin)) / s, 0.0, j == i);
  }
  beta[i] = b;
}

@group(0) @binding(1) var<storage, read_write> pj: array<f32>;     // [n, n] p_{j|i} in, p_ij out

// p_ij = p_ji = (p_{j|i} + p_{i|j}) / 2n: the invocation (i, j) with i < j writes both.
@compute @workgroup_size(8, 8)
fn symmetrise(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y;
  let j = gid.x;
  if (i >= P.n || j >= P.n || j <= i) { return; }
  let v = (pj[i * P.n + j] + pj[j * P.n + i]) / (2.0 * f32(P.n));
  pj[i * P.n + j] = v;
  pj[j * P.n + i] = v;
}

// ---- one gradient evaluation --------------------------------------------------------------------

@group(0) @binding(1) var<storage, read> pjoint: array<f32>;      // [n, n] p_ij
@group(0) @binding(2) var<storage, read> ymap: array<vec2f>;      // [n] y_i
@group(0) @binding(3) var<storage, read_write> force: array<vec4f>; // [n] (A_i, R_i)
@group(0) @binding(4) var<storage, read_write> wrow: array<f32>;    // [n] Σ_{j≠i} w_ij

const F = 64u;
var<workgroup> ytile: array<vec2f, 64>;

// Invocation i sums over every j, 64 map points at a time through workgroup memory. p_ij is read
// as p_ji (P is symmetric): for one j, adjacent invocations then read adjacent addresses.
@compute @workgroup_size(64)
fn forces(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  if (P.n == 0u) { return; } // uniform: no point to clamp the loads to (P.n − 1 would wrap)
  let i = (wg.y * nwg.x + wg.x) * F + lid.x;
  let live = i < P.n;
  let yi = ymap[min(i, P.n - 1u)];
  var attr = vec2f(0.0);
  var rep = vec2f(0.0);
  var zs = 0.0;
  for (var j0 = 0u; j0 < P.n; j0 += F) {
    let jl = j0 + lid.x;
    ytile[lid.x] = ymap[min(jl, P.n - 1u)];
    workgroupBarrier();
    let m = min(F, P.n - j0);
    for (var u = 0u; u < m; u++) {
      let j = j0 + u;
      let diff = yi - ytile[u];
      let w = 1.0 / (1.0 + dot(diff, diff));
      if (live && j != i) {
        attr += pjoint[j * P.n + min(i, P.n - 1u)] * w * diff;
        rep += w * w * diff;
        zs += w;
      }
    }
    workgroupBarrier();
  }
  if (live) {
    force[i] = vec4f(attr, rep);
    wrow[i] = zs;
  }
}

@group(0) @binding(1) var<storage, read> vals: array<f32>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;

var<workgroup> part: array<f32, 256>;

// sums[g] = Σ of vals[256 g .. 256 g + 255] (up to P.n): one partial per workgroup, a tree inside
// it. Applied again to the partials until one value is left; the order is fixed, so the sum is
// the same bit for bit every run. sums holds ceil(P.n / 256) partials (one, 0, for P.n = 0): the
// workgroups a 2-D grid adds past them write nothing.
@compute @workgroup_size(256)
fn partial_sums(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = wg.y * nwg.x + wg.x;
  let idx = g * 256u + lid.x;
  var v = 0.0;
  if (idx < P.n) { v = vals[idx]; }
  part[lid.x] = v;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid.x < s) { part[lid.x] += part[lid.x + s]; }
    workgroupBarrier();
  }
  if (lid.x == 0u && (g == 0u || g * 256u < P.n)) { sums[g] = part[0]; }
}

// ---- the step -----------------------------------------------------------------------------------

@group(0) @binding(1) var<storage, read> uforce: array<vec4f>;    // [n] (A_i, R_i)
@group(0) @binding(2) var<storage, read> zsum: array<f32>;        // [1] Z
@group(0) @binding(3) var<storage, read_write> y: array<vec2f>;   // [n]
@group(0) @binding(4) var<storage, read_write> velocity: array<vec2f>; // [n] the last update
@group(0) @binding(5) var<storage, read_write> gains: array<vec2f>;    // [n]

// g = 4 (α A_i − R_i / Z) with α the early exaggeration (P·α in the attraction only, as P is
// multiplied by α in scikit-learn); delta-bar-delta gains: +0.2 where the gradient's sign differs
// from the last update's, ×0.8 where it agrees, at least min_gain; then momentum.
@compute @workgroup_size(GRID_WG)
fn update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let f = uforce[i];
  let g = 4.0 * (P.exaggeration * f.xy - f.zw / zsum[0]);
  let v = velocity[i];
  let flip = g * v < vec2f(0.0);
  var gain = select(gains[i] * 0.8, gains[i] + 0.2, flip);
  gain = max(gain, vec2f(P.min_gain));
  gains[i] = gain;
  let nv = P.momentum * v - P.lr * gain * g;
  velocity[i] = nv;
  y[i] = y[i] + nv;
}

// ---- the cost -----------------------------------------------------------------------------------

@group(0) @binding(1) var<storage, read> kp: array<f32>;          // [n, n] p_ij
@group(0) @binding(2) var<storage, read> ky: array<vec2f>;        // [n]
@group(0) @binding(3) var<storage, read> kz: array<f32>;          // [1] Z for this y
@group(0) @binding(4) var<storage, read_write> krow: array<f32>;  // [n] Σ_j p_ij ln(p_ij / q_ij)

// Row i's share of KL(P ‖ Q); pairs with p_ij = 0 add nothing (0 ln 0 = 0).
@compute @workgroup_size(GRID_WG)
fn kl_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let yi = ky[i];
  let lz = log(kz[0]);
  var s = 0.0;
  for (var j = 0u; j < P.n; j++) {
    let p = kp[j * P.n + i];
    if (j == i || p <= 0.0) { continue; }
    let diff = yi - ky[j];
    // ln q_ij = −ln(1 + ‖y_i − y_j‖²) − ln Z
    s += p * (log(p) + log(1.0 + dot(diff, diff)) + lz);
  }
  krow[i] = s;
}

// ---- trustworthiness ----------------------------------------------------------------------------

@group(0) @binding(1) var<storage, read> rd: array<f32>;          // [n, n] input-space D
@group(0) @binding(2) var<storage, read> nbr: array<u32>;         // [n, k] map-space neighbours
@group(0) @binding(3) var<storage, read_write> rank: array<u32>;  // [n, k]

// rank[i, m] = the input-space rank of map neighbour j = nbr[i, m] among i's neighbours (1 = the
// nearest): 1 + #{l ≠ i : D_il < D_ij, or D_il = D_ij and l < j} (ties broken by index).
@compute @workgroup_size(GRID_WG)
fn ranks(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = grid_index(gid, nwg);
  if (e >= P.n * P.k) { return; }
  let i = e / P.k;
  let j = min(nbr[e], P.n - 1u); // host data: a bad neighbour index must not read past D
  let dij = rd[i * P.n + j];
  var r = 1u;
  for (var l = 0u; l < P.n; l++) {
    let dil = rd[i * P.n + l];
    if (l != i && (dil < dij || (dil == dij && l < j))) { r++; }
  }
  rank[e] = r;
}
