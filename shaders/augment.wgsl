// DEC-DA's augmentation (Guo et al. 2018): each image of a batch turned by its own angle θ and moved
// by its own shift t, bilinear, zero outside the image. The inputs of a step: no gradient flows
// through it.
//   warp: x: [rows, h·w], T: [rows, 4] (cos θ, sin θ, t_x, t_y) -> out: [rows, h·w]
// Output pixel (px, py) of an image reads its source at R(−θ)·((px, py) − c − t) + c, c the centre.
//
// Why cos θ and sin θ come from the host (src/tensor/ops/augment.ts, float64 from the run's seeded
// draws): WGSL allows sin and cos an absolute error of 2⁻¹¹, and drivers use fast approximations,
// so the same seed would warp differently on each GPU. What is left here is +, −, × and floor,
// which WGSL rounds to within one ulp on every driver.

struct Params {
  rows: u32,
  h: u32,
  w: u32,
  pad: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> T: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// Pixel (xi, yi) of image r; 0 outside.
fn pixel(r: u32, xi: i32, yi: i32) -> f32 {
  if (xi < 0 || yi < 0 || xi >= i32(P.w) || yi >= i32(P.h)) { return 0.0; }
  return x[r * P.h * P.w + u32(yi) * P.w + u32(xi)];
}

// Output pixel e of image r under t = (cos θ, sin θ, t_x, t_y): bilinear between the four source
// pixels around its preimage.
fn warped(r: u32, e: u32, t: vec4f) -> f32 {
  let cx = 0.5 * f32(P.w - 1u);
  let cy = 0.5 * f32(P.h - 1u);
  let dx = f32(e % P.w) - cx - t.z;
  let dy = f32(e / P.w) - cy - t.w;
  let sx = t.x * dx + t.y * dy + cx;
  let sy = -t.y * dx + t.x * dy + cy;
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
fn warp(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  let hw = P.h * P.w;
  if (i >= P.rows * hw) { return; }
  let r = i / hw;
  out[i] = warped(r, i % hw, T[r]);
}
