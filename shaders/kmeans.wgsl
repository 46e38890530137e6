// Lloyd's k-means on the GPU.   x: one chunk of [n, d] points (P.n rows), c: [k, d] centroids.
// The points may be split into chunks of rows (data larger than one binding): every entry point
// works on one chunk; per-point outputs (label, dist) cover all points and are indexed from P.offset.

struct Params {
  n: u32,        // points in this chunk
  d: u32,
  k: u32,
  j: u32,        // nearest_update: the newly chosen centre
  offset: u32,   // global index of the chunk's first point
  first: u32,    // update_sums: 1 for the first chunk (start the sums), 0 to add to them
  pad0: u32,
  pad1: u32,
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

// Assignment step: label[i] = argmin_j ‖x_i − c_j‖² (lowest j on ties), dist[i] = that minimum.
@compute @workgroup_size(64)
fn assign(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.y * nwg.x * 64u + gid.x;
  if (i >= P.n) { return; }
  var best = 0u;
  var bestD = sq_dist(i, 0u);
  for (var j = 1u; j < P.k; j++) {
    let dj = sq_dist(i, j);
    if (dj < bestD) { best = j; bestD = dj; }
  }
  if (label[P.offset + i] != best) { atomicAdd(&stats[0], 1u); }
  label[P.offset + i] = best;
  dist[P.offset + i] = bestD;
}

// k-means++ seeding: dist[i] = min(dist[i], ‖x_i − c_j‖²) for the newly chosen centre j = P.j.
@compute @workgroup_size(64)
fn nearest_update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.y * nwg.x * 64u + gid.x;
  if (i >= P.n) { return; }
  dist[P.offset + i] = min(dist[P.offset + i], sq_dist(i, P.j));
}

@group(0) @binding(1) var<storage, read> ux: array<f32>;
@group(0) @binding(2) var<storage, read> ulabel: array<u32>;          // [all n]
@group(0) @binding(3) var<storage, read_write> usum: array<f32>;      // [k, d] running sums
@group(0) @binding(4) var<storage, read_write> ucount: array<u32>;    // [k] cluster sizes

// Update step, part 1, once per chunk: usum_j += Σ x_i over the chunk's points labelled j, for
// invocation (t, j) = dimension t of centre j. The sum runs over i in order, chunk after chunk,
// continuing from the stored partial sum: the same additions in the same order as one pass.
@compute @workgroup_size(64)
fn update_sums(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  let j = gid.y;
  if (t >= P.d || j >= P.k) { return; }
  var s = 0.0;
  var count = 0u;
  if (P.first == 0u) {
    s = usum[j * P.d + t];
    // Only invocation t = 0 reads and writes the count: no other invocation touches ucount.
    if (t == 0u) { count = ucount[j]; }
  }
  for (var i = 0u; i < P.n; i++) {
    if (ulabel[P.offset + i] == j) {
      s += ux[i * P.d + t];
      count++;
    }
  }
  usum[j * P.d + t] = s;
  if (t == 0u) { ucount[j] = count; }
}

@group(0) @binding(1) var<storage, read> fsum: array<f32>;           // [k, d]
@group(0) @binding(2) var<storage, read> fcount: array<u32>;         // [k]
@group(0) @binding(3) var<storage, read_write> fc: array<f32>;       // [k, d] centroids, updated

// Update step, part 2: c_j = usum_j / |j|. An empty cluster keeps its old centre (its count 0 is
// reported; the host re-seeds it).
@compute @workgroup_size(64)
fn update_finish(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  let j = gid.y;
  if (t >= P.d || j >= P.k) { return; }
  if (fcount[j] > 0u) { fc[j * P.d + t] = fsum[j * P.d + t] / f32(fcount[j]); }
}
