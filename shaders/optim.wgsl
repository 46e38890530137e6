// Parameter updates over an arena (src/nn/arena.ts), in place: one dispatch updates every parameter
// of a model. The parameters lie in one buffer p, each starting on a multiple of 64 elements (256
// bytes, a storage-binding offset any device accepts), with zero padding between them; their
// gradients g, momenta v and Adam's first moments m lie at the same offsets in three more buffers.
//   p, g, v, m: [n / 4] vec4 (n a multiple of 64);  blocks: [n / 64], one entry per 64 elements (see Block)
// Each invocation updates one vec4 (4 elements of one block), a workgroup 64 of them: 4 blocks. Why
// vec4: the update is memory-bound, and what an invocation does besides (bounds checks, the block's
// entry, Adam's bias corrections) is then paid once per 4 elements, not once per element: the
// optimiser is a fixed cost of every step, whatever the batch, so it weighs most at small batches.
// Elements past a parameter's end (padding) keep their values.
// H (written by the host only when a hyper-parameter changes, so a training step needs no host
// write and stays one submit):
//   [lr, momentum, weight_decay, beta1, beta2, eps, t, t]
// Adam's step count t lives in two slots: the step that reads slot `parity` writes t + 1 into the
// other, so no invocation reads a slot that another one writes (one slot would need a dispatch of
// its own before the update, as it did before the arena).

struct Params {
  first_block: u32,  // the blocks [first_block, first_block + blocks) are updated
  blocks: u32,
  parity: u32,       // Adam: t is read from H[6 + parity], t + 1 written to H[7 − parity]
  pad: u32,
}

// The parameter a block of 64 elements belongs to: where that parameter ends (the elements of the
// block from `end` on are padding) and its multipliers.
struct Block {
  end: u32,
  lr_mult: f32,     // learning-rate multiplier (the original DEC code doubles biases')
  decay_mult: f32,  // weight-decay multiplier (0 for biases)
  pad: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> H: array<f32, 8>;
@group(0) @binding(2) var<storage, read> blocks: array<Block>;
@group(0) @binding(3) var<storage, read> g: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> p: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> v: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> m: array<vec4f>;

const VECS_PER_BLOCK = 16u; // 64 elements

// The workgroup's index in the dispatch (a 2-D grid past 65535 workgroups).
fn workgroup_index(wg: vec3u, nwg: vec3u) -> u32 {
  return wg.y * nwg.x + wg.x;
}

// The vec4 an invocation updates (its index in p, g, v, m: elements 4j … 4j + 3; its block is
// j / VECS_PER_BLOCK), or none past the blocks asked for or past the arena: every index this kernel
// touches is checked here, since the device may run without robustness checks.
struct Slot {
  ok: bool,
  j: u32,
}

fn slot(wg: vec3u, nwg: vec3u, lid: u32) -> Slot {
  let rel = workgroup_index(wg, nwg) * 64u + lid; // vec4 index from the first block's start
  let j = P.first_block * VECS_PER_BLOCK + rel;
  let ok = rel / VECS_PER_BLOCK < P.blocks && j / VECS_PER_BLOCK < arrayLength(&blocks) && j < arrayLength(&p)
      && j < arrayLength(&g) && j < arrayLength(&v) && j < arrayLength(&m);
  return Slot(ok, j);
}

// Which of the vec4's 4 elements belong to the parameter (the rest is padding: left as it is).
fn live(j: u32, end: u32) -> vec4<bool> {
  return vec4u(4u * j) + vec4u(0u, 1u, 2u, 3u) < vec4u(end);
}

// SGD with momentum (Caffe's form): v ← μ v + η·lr_mult (g + λ·decay_mult · p);  p ← p − v
@compute @workgroup_size(64)
fn sgd(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let s = slot(wg, nwg, lid);
  if (!s.ok) { return; }
  let blk = blocks[s.j / VECS_PER_BLOCK];
  let keep = live(s.j, blk.end);
  let lr = H[0] * blk.lr_mult;
  let pi = p[s.j];
  let vi = v[s.j];
  let grad = g[s.j] + H[2] * blk.decay_mult * pi;
  let vel = H[1] * vi + lr * grad;
  v[s.j] = select(vi, vel, keep);
  p[s.j] = select(pi, pi - vel, keep);
}

// β^t by repeated squaring: about 2·log2(t) multiplications, each rounded within one ulp on every
// driver. Why not pow: WGSL computes it as exp2(t·log2 β) and allows log2 an absolute error of
// 2⁻²¹ near 1, which 1 − β^t turns into a relative error of 5e-4 at t = 1 for β = 0.999 (here:
// exact at t = 1, a few ulp of β^t after).
fn pow_int(base: f32, n: u32) -> f32 {
  var r = 1.0;
  var x = base;
  var e = n;
  loop {
    if ((e & 1u) == 1u) { r *= x; }
    e = e >> 1u;
    if (e == 0u) { break; }
    x *= x;
  }
  return r;
}

// Adam (Kingma & Ba, 2015): m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
// p ← p − η·lr_mult · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε)
@compute @workgroup_size(64)
fn adam(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let parity = P.parity & 1u;
  let t = H[6u + parity] + 1.0;
  // Before the bounds check: a step with nothing to update still counts.
  if (workgroup_index(wg, nwg) == 0u && lid == 0u) { H[7u - parity] = t; }
  let s = slot(wg, nwg, lid);
  if (!s.ok) { return; }
  let blk = blocks[s.j / VECS_PER_BLOCK];
  let keep = live(s.j, blk.end);
  let pi = p[s.j];
  let mi0 = m[s.j];
  let vi0 = v[s.j];
  let grad = g[s.j] + H[2] * blk.decay_mult * pi;
  let mi = H[3] * mi0 + (1.0 - H[3]) * grad;
  let vi = H[4] * vi0 + (1.0 - H[4]) * grad * grad;
  let bc1 = 1.0 - pow_int(H[3], u32(t));
  let bc2 = 1.0 - pow_int(H[4], u32(t));
  m[s.j] = select(mi0, mi, keep);
  v[s.j] = select(vi0, vi, keep);
  p[s.j] = select(pi, pi - H[0] * blk.lr_mult * (mi / bc1) / (sqrt(vi / bc2) + H[5]), keep);
}
