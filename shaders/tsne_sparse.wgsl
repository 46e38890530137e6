// t-SNE with a sparse P (src/tsne/sparse.ts): the attraction and the KL over P's non-zeros only.
//   row_ptr: [n + 1], col: [nnz], val: [nnz]  P in CSR form (symmetric, sums to 1; row i's
//            entries are row_ptr[i] … row_ptr[i + 1] − 1);  y: [n] the map;
//   w_ij = (1 + ‖y_i − y_j‖²)⁻¹;  A_i = Σ_{j ∈ row i} p_ij w_ij (y_i − y_j).
// The repulsion R_i and Z come from the FFT interpolation (tsne_interp.wgsl); `attraction` puts
// (A_i, R_i) side by side for tsne.wgsl's `update`, which both methods share. One invocation per
// row, its entries in CSR order: the same sums, bit for bit, every run.

struct Params {
  n: u32,     // points
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(2) var<storage, read> col: array<u32>;
@group(0) @binding(3) var<storage, read> val: array<f32>;
@group(0) @binding(4) var<storage, read> y: array<vec2f>;

// ---- the gradient's two halves ----------------------------------------------------------------------

@group(0) @binding(5) var<storage, read> rep: array<vec2f>;           // [n] R_i
@group(0) @binding(6) var<storage, read_write> force: array<vec4f>;   // [n] (A_i, R_i)

@compute @workgroup_size(GRID_WG)
fn attraction(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let yi = y[i];
  var a = vec2f(0.0);
  for (var e = row_ptr[i]; e < row_ptr[i + 1u]; e++) {
    let diff = yi - y[min(col[e], P.n - 1u)]; // host data: a bad column must not read past y
    a += val[e] / (1.0 + dot(diff, diff)) * diff;
  }
  force[i] = vec4f(a, rep[i]);
}

// ---- the cost -----------------------------------------------------------------------------------

@group(0) @binding(5) var<storage, read> zsum: array<f32>;            // [1] Z (interpolated)
@group(0) @binding(6) var<storage, read_write> krow: array<f32>;      // [n] Σ_j p_ij ln(p_ij / q_ij)

// Row i's share of KL(P ‖ Q) = Σ p_ij ln(p_ij / q_ij), ln q_ij = −ln(1 + ‖y_i − y_j‖²) − ln Z, over
// the non-zeros (0 ln 0 = 0). With Z from the interpolation, the KL is an estimate as good as Z.
@compute @workgroup_size(GRID_WG)
fn kl_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let yi = y[i];
  let lz = log(zsum[0]);
  var s = 0.0;
  for (var e = row_ptr[i]; e < row_ptr[i + 1u]; e++) {
    let p = val[e];
    if (p <= 0.0) { continue; }
    let diff = yi - y[min(col[e], P.n - 1u)];
    s += p * (log(p) + log(1.0 + dot(diff, diff)) + lz);
  }
  krow[i] = s;
}
