// Backward of the mean squared error L = alpha/2 · Σ (y − t)²  (alpha = 2/n for a mean):
// dL/dy = alpha · (y − t) · g, g the upstream gradient of L (a [1, 1] buffer, so nothing is read back).
// y, t, out: [n]

struct Params { n: u32, pad0: u32, alpha: f32, pad1: u32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> t: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn mse_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.y * nwg.x * 64u + gid.x;
  if (i >= P.n) { return; }
  out[i] = P.alpha * (y[i] - t[i]) * g[0];
}
