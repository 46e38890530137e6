// Lloyd's k-means on the GPU.   x: [n, d] points, c: [k, d] centroids.

struct Params { n: u32, d: u32, k: u32, pad: u32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> label: array<u32>;      // [n]
@group(0) @binding(4) var<storage, read_write> dist: array<f32>;       // [n] squared distance
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
  if (label[i] != best) { atomicAdd(&stats[0], 1u); }
  label[i] = best;
  dist[i] = bestD;
}

// k-means++ seeding: dist[i] = min(dist[i], ‖x_i − c_j‖²) for the newly chosen centre j = P.pad.
@compute @workgroup_size(64)
fn nearest_update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.y * nwg.x * 64u + gid.x;
  if (i >= P.n) { return; }
  dist[i] = min(dist[i], sq_dist(i, P.pad));
}

@group(0) @binding(1) var<storage, read> ux: array<f32>;
@group(0) @binding(2) var<storage, read> ulabel: array<u32>;
@group(0) @binding(3) var<storage, read_write> uc: array<f32>;     // [k, d] centroids, updated
@group(0) @binding(4) var<storage, read_write> ucount: array<u32>; // [k] cluster sizes

// Update step: c_j = mean of the points labelled j, for invocation (t, j) = dimension t of centre j.
// An empty cluster keeps its old centre (count 0 is reported; the host re-seeds it).
// The sum runs over i in order: deterministic.
@compute @workgroup_size(64)
fn update(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  let j = gid.y;
  if (t >= P.d || j >= P.k) { return; }
  var s = 0.0;
  var count = 0u;
  for (var i = 0u; i < P.n; i++) {
    if (ulabel[i] == j) {
      s += ux[i * P.d + t];
      count++;
    }
  }
  if (count > 0u) { uc[j * P.d + t] = s / f32(count); }
  if (t == 0u) { ucount[j] = count; }
}
