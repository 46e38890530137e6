// The mean squared error L = alpha · Σ (y − t)² (alpha = 1/n for a mean) and its gradient.
// y, t: [n] (a tensor's elements, any shape)

struct Params {
  n: u32,
  pad0: u32,
  alpha: f32,       // mse_grad: the gradient's scale (2/n for a mean); mse: the loss's (1/n)
  grad_alpha: f32,  // mse: the gradient's scale (2/n)
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> t: array<f32>;

// Backward for any upstream gradient g of L (a [1] buffer, so nothing is read back):
//   out = alpha · (y − t) · g          -> out: [n]
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(GRID_WG)
fn mse_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = P.alpha * (y[i] - t[i]) * g[0];
}

// Forward, and with GRAD the gradient for g = 1 (backward() starting from this loss) in the same
// pass, so that a training step needs no seed and no separate gradient dispatch:
//   loss = alpha · Σ (y − t)²  -> loss: [1];   grad = grad_alpha · (y − t)  -> grad: [n]
// One workgroup of 256 summing in a fixed order (the order of reduce.wgsl's sum_sq_diff).
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;

override GRAD: bool = false;
const WG = 256u;
var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn mse(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < P.n; i += WG) {
    let d = y[i] - t[i];
    s += d * d;
    if (GRAD) { grad[i] = P.grad_alpha * d; }
  }
  partial[lid] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) { partial[lid] += partial[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) { loss[0] = P.alpha * partial[0]; }
}
