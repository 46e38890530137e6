// Parameter updates, in place. p, g, v, m: [n]
// H (written by the host only when a hyper-parameter changes; t is advanced on the GPU by `tick`,
// so a training step needs no host write and stays one submit):
//   [lr, momentum, weight_decay, beta1, beta2, eps, t, unused]

struct Params {
  n: u32,
  lr_mult: f32,     // per-parameter learning-rate multiplier (the original DEC code doubles biases')
  decay_mult: f32,  // per-parameter weight-decay multiplier (0 for biases)
  pad: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> H: array<f32, 8>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> p: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> m: array<f32>;

fn index(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.y * nwg.x * 64u + gid.x;
}

// SGD with momentum (Caffe's form): v ← μ v + η·lr_mult (g + λ·decay_mult · p);  p ← p − v
@compute @workgroup_size(64)
fn sgd(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i >= P.n) { return; }
  let lr = H[0] * P.lr_mult;
  let grad = g[i] + H[2] * P.decay_mult * p[i];
  let vel = H[1] * v[i] + lr * grad;
  v[i] = vel;
  p[i] = p[i] - vel;
}

// Adam (Kingma & Ba, 2015): m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
// p ← p − η·lr_mult · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε)
@compute @workgroup_size(64)
fn adam(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i >= P.n) { return; }
  let grad = g[i] + H[2] * P.decay_mult * p[i];
  let mi = H[3] * m[i] + (1.0 - H[3]) * grad;
  let vi = H[4] * v[i] + (1.0 - H[4]) * grad * grad;
  m[i] = mi;
  v[i] = vi;
  let bc1 = 1.0 - pow(H[3], H[6]);
  let bc2 = 1.0 - pow(H[4], H[6]);
  p[i] = p[i] - H[0] * P.lr_mult * (mi / bc1) / (sqrt(vi / bc2) + H[5]);
}

// t ← t + 1, once per step before the Adam updates.
@compute @workgroup_size(1)
fn tick() {
  H[6] = H[6] + 1.0;
}
