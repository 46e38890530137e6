// Lloyd's k-means on the GPU.   x: [n, d] points, c: [k, d] centroids.
// The points may be split into chunks of rows (data larger than one binding): every entry point
// works on a range of P.n points (a chunk, or a block of one); per-point outputs (label, dist) cover
// all points and are indexed from P.offset.

struct Params {
  n: u32,        // points in this chunk
  d: u32,
  k: u32,
  j: u32,        // nearest_update: the newly chosen centre
  offset: u32,   // global index of the chunk's first point
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> label: array<u32>;      // [all n]
@group(0) @binding(4) var<storage, read_write> dist: array<f32>;       // [all n] squared distance
@group(0) @binding(5) var<storage, read_write> stats: array<atomic<u32>>; // [0]: points that changed cluster

fn sq_dist(i: u32, j: u32) -> f32 {
  var s = 0.0;
  for (var t = 0u; t < P.d; t++) {
    let e = x[i * P.d + t] - c[j * P.d + t];
    s += e * e;
  }
  return s;
}

// k-means++ seeding: dist[i] = min(dist[i], ‖x_i − c_j‖²) for the newly chosen centre j = P.j.
@compute @workgroup_size(GRID_WG)
fn nearest_update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  dist[P.offset + i] = min(dist[P.offset + i], sq_dist(i, P.j));
}

// ---- Lloyd iterations through matrix products ---------------------------------------------------
// ‖x_i − c_j‖² = ‖x_i‖² − 2 x_i·c_j + ‖c_j‖²: the dot products G = X Cᵀ and the sums Hᵀ X (H the
// one-hot labels) are matrix products (the engine's matmul: a Lloyd pass over 70,000 × 784 points
// measured 4.5× faster than with one loop per point, lavapipe); the kernels below do the rest.

@group(0) @binding(1) var<storage, read> nx: array<f32>;              // one chunk of [n, d] points, or [k, d] centres
@group(0) @binding(2) var<storage, read_write> norms: array<f32>;     // [all n] or [k]

// norms[offset + i] = ‖x_i‖² for the P.n rows of nx.
@compute @workgroup_size(GRID_WG)
fn row_norms(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  var s = 0.0;
  for (var t = 0u; t < P.d; t++) {
    let v = nx[i * P.d + t];
    s += v * v;
  }
  norms[P.offset + i] = s;
}

@group(0) @binding(1) var<storage, read> g: array<f32>;               // [n (chunk), k] G = X Cᵀ
@group(0) @binding(2) var<storage, read> xn: array<f32>;              // [all n] ‖x_i‖²
@group(0) @binding(3) var<storage, read> cn: array<f32>;              // [k] ‖c_j‖²
@group(0) @binding(4) var<storage, read_write> alabel: array<u32>;    // [all n]
@group(0) @binding(5) var<storage, read_write> adist: array<f32>;     // [all n]
@group(0) @binding(6) var<storage, read_write> astats: array<atomic<u32>>;

// Assignment step: label[i] = argmin_j ‖x_i − c_j‖² (lowest j on ties), dist[i] = that minimum
// (clamped at 0: the expansion can round below it); stats[0] counts the points that changed.
@compute @workgroup_size(GRID_WG)
fn assign_dots(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n || P.k == 0u) { return; } // no centre: cn[0] and G's row would lie past their ends
  var best = 0u;
  var bestD = cn[0] - 2.0 * g[i * P.k];
  for (var j = 1u; j < P.k; j++) {
    let dj = cn[j] - 2.0 * g[i * P.k + j];
    if (dj < bestD) { best = j; bestD = dj; }
  }
  let at = P.offset + i;
  if (alabel[at] != best) { atomicAdd(&astats[0], 1u); }
  alabel[at] = best;
  adist[at] = max(0.0, xn[at] + bestD);
}

@group(0) @binding(1) var<storage, read> hlabel: array<u32>;          // [all n]
@group(0) @binding(2) var<storage, read_write> h: array<f32>;         // [n (chunk), k]

// H[i, j] = 1 where point i is in cluster j, else 0 (for the sums Hᵀ X and the counts Σ_i H).
@compute @workgroup_size(GRID_WG)
fn one_hot(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  for (var j = 0u; j < P.k; j++) { h[i * P.k + j] = select(0.0, 1.0, hlabel[P.offset + i] == j); }
}

@group(0) @binding(1) var<storage, read> fsum: array<f32>;           // [k, d] Σ of each cluster's points
@group(0) @binding(2) var<storage, read> fcount: array<f32>;         // [k] cluster sizes
@group(0) @binding(3) var<storage, read_write> fc: array<f32>;       // [k, d] centroids, updated

// Update step: c_j = Σ_{i in j} x_i / |j|. An empty cluster keeps its old centre (its count 0 is
// reported; the host re-seeds it).
@compute @workgroup_size(64)
fn update_finish(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  let j = gid.y;
  if (t >= P.d || j >= P.k) { return; }
  if (fcount[j] > 0.0) { fc[j * P.d + t] = fsum[j * P.d + t] / fcount[j]; }
}
