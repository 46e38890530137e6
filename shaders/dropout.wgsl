// Inverted dropout with masks from a counter-based hash, so forward and backward recompute the same
// mask from (seed, step, salt, index) and no mask is stored.
// x, out: [n]; rng: [seed, step] (written once per training step)

struct Params { n: u32, salt: u32, rate: f32, pad: u32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> rng: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// PCG-style integer hash (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020).
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// Uniform in [0, 1) for element i.
fn uniform01(i: u32) -> f32 {
  let h = pcg(i ^ pcg(P.salt ^ pcg(rng[1] ^ pcg(rng[0]))));
  return f32(h >> 8u) * (1.0 / 16777216.0);
}

// out = x · [u ≥ rate] / (1 − rate); the backward is the same map applied to the gradient.
@compute @workgroup_size(GRID_WG)
fn dropout(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let keep = uniform01(i) >= P.rate;
  out[i] = select(0.0, x[i] / (1.0 - P.rate), keep);
}
