// DEC-DA's augmentation (Guo et al. 2018): each image of a batch turned by its own random angle θ and
// moved by its own random shift t, bilinear, zero outside the image. The inputs of a step: no
// gradient flows through it.
//   augment: x: [rows, h·w], rng: [seed, step] -> out: [rows, h·w]
//            θ ∈ [−rotate, rotate] radians, t ∈ [−shift·w, shift·w] × [−shift·h, shift·h] pixels, drawn
//            for image `offset + r` from a hash of (seed, step, salt), like dropout's masks
//   warp:    x: [rows, h·w], T: [rows, 3] (θ, t_x, t_y) -> out: [rows, h·w], the same map for given T
// Output pixel (px, py) of an image reads its source at R(−θ)·((px, py) − c − t) + c, c the centre.

struct Params {
  rows: u32,
  h: u32,
  w: u32,
  salt: u32,
  rotate: f32,  // the largest angle, radians
  shift: f32,   // the largest shift, a fraction of the side
  offset: u32,  // index of row 0 among the step's images (the hash's input)
  pad: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> rng: array<u32>;  // augment
@group(0) @binding(2) var<storage, read> T: array<f32>;    // warp
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// PCG-style integer hash (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020), as dropout's.
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// Uniform in [−1, 1): draw j (0: θ, 1: t_x, 2: t_y) of image i.
fn draw(i: u32, j: u32) -> f32 {
  let h = pcg((3u * i + j) ^ pcg(P.salt ^ pcg(rng[1] ^ pcg(rng[0]))));
  return f32(h >> 8u) * (2.0 / 16777216.0) - 1.0;
}

// Pixel (xi, yi) of image r; 0 outside.
fn pixel(r: u32, xi: i32, yi: i32) -> f32 {
  if (xi < 0 || yi < 0 || xi >= i32(P.w) || yi >= i32(P.h)) { return 0.0; }
  return x[r * P.h * P.w + u32(yi) * P.w + u32(xi)];
}

// Output pixel e of image r under angle theta and shift (tx, ty): bilinear between the four
// source pixels around its preimage.
fn warped(r: u32, e: u32, theta: f32, tx: f32, ty: f32) -> f32 {
  let cx = 0.5 * f32(P.w - 1u);
  let cy = 0.5 * f32(P.h - 1u);
  let dx = f32(e % P.w) - cx - tx;
  let dy = f32(e / P.w) - cy - ty;
  let c = cos(theta);
  let s = sin(theta);
  let sx = c * dx + s * dy + cx;
  let sy = -s * dx + c * dy + cy;
  let x0 = floor(sx);
  let y0 = floor(sy);
  let fx = sx - x0;
  let fy = sy - y0;
  let xi = i32(x0);
  let yi = i32(y0);
  let top = (1.0 - fx) * pixel(r, xi, yi) + fx * pixel(r, xi + 1, yi);
  let bottom = (1.0 - fx) * pixel(r, xi, yi + 1) + fx * pixel(r, xi + 1, yi + 1);
  return (1.0 - fy) * top + fy * bottom;
}

@compute @workgroup_size(GRID_WG)
fn augment(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  let hw = P.h * P.w;
  if (i >= P.rows * hw) { return; }
  let r = i / hw;
  let img = P.offset + r;
  out[i] = warped(r, i % hw, P.rotate * draw(img, 0u), P.shift * f32(P.w) * draw(img, 1u), P.shift * f32(P.h) * draw(img, 2u));
}

@compute @workgroup_size(GRID_WG)
fn warp(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  let hw = P.h * P.w;
  if (i >= P.rows * hw) { return; }
  let r = i / hw;
  out[i] = warped(r, i % hw, T[3u * r], T[3u * r + 1u], T[3u * r + 2u]);
}
