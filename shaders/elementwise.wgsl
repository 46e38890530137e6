// Elementwise kernels over flat f32 arrays of n elements, and their broadcasts.
// Dispatch: grid1d (GRID_WG invocations per workgroup, a 2-D grid of workgroups past 65535);
// element index i = grid_index(gid, nwg), both from the prelude (src/gpu/shaders.ts).

struct Params {
  n: u32,      // elements of the output
  cols: u32,   // row length for row/column broadcasts
  alpha: f32,  // scale factor
  beta: f32,   // second factor (dropout rate, fill value …)
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// out = a + alpha · b            a, b, out: [n]
@compute @workgroup_size(GRID_WG)
fn add(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = a[i] + P.alpha * b[i];
}

// out += alpha · a               (gradient accumulation, in place)
@compute @workgroup_size(GRID_WG)
fn axpy(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = out[i] + P.alpha * a[i];
}

// out = alpha · a
@compute @workgroup_size(GRID_WG)
fn scale(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = P.alpha * a[i];
}

// out = max(a, 0)
@compute @workgroup_size(GRID_WG)
fn relu(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = max(a[i], 0.0);
}

// ReLU backward: out = a · [b > 0]     a: upstream gradient, b: the ReLU's output
@compute @workgroup_size(GRID_WG)
fn relu_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = select(0.0, a[i], b[i] > 0.0);
}

// out[r, c] = a[r, c] + b[c]           a, out: [rows, cols], b: [1, cols]
@compute @workgroup_size(GRID_WG)
fn bias_add(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = a[i] + b[i % P.cols];
}

// out[r, c] = alpha · a[c]             a: [1, cols] (backward of a sum over rows)
@compute @workgroup_size(GRID_WG)
fn broadcast_row(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = P.alpha * a[i % P.cols];
}

// out[r, c] = alpha · a[r]             a: [rows, 1] (backward of a sum over columns)
@compute @workgroup_size(GRID_WG)
fn broadcast_col(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = P.alpha * a[i / P.cols];
}

// out = alpha · a[0]                   (backward of a sum over everything)
@compute @workgroup_size(GRID_WG)
fn broadcast_all(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = P.alpha * a[0];
}

// out = beta
@compute @workgroup_size(GRID_WG)
fn fill(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = P.beta;
}
