// The two probes of the bench's roofline (bench/roofline.ts): the adapter's fp32 multiply-add peak
// (independent FMA chains in registers, no memory traffic inside the loop) and its copy bandwidth.
// Dispatch: grid1d (GRID_WG invocations per workgroup); index i = grid_index(gid, nwg) (prelude).

struct Params {
  n: u32,      // vec4 elements: invocations of fma_peak, elements copied by copy
  iters: u32,  // multiply-adds per chain (fma_peak)
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;

// Eight independent chains x_j ← x_j · a[i] + b[i] (vec4: 8 × 4 lanes × 2 FLOPs a step), so that a
// core's FMA units never wait for a previous result; the chains' sum is stored, so that none is
// optimised away.                                a, b, out: [n] vec4; 64 · iters FLOPs an invocation
@compute @workgroup_size(GRID_WG)
fn fma_peak(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let m = a[i];
  let c = b[i];
  var x0 = c;
  var x1 = c + vec4f(1.0);
  var x2 = c + vec4f(2.0);
  var x3 = c + vec4f(3.0);
  var x4 = c + vec4f(4.0);
  var x5 = c + vec4f(5.0);
  var x6 = c + vec4f(6.0);
  var x7 = c + vec4f(7.0);
  for (var t = 0u; t < P.iters; t++) {
    x0 = fma(x0, m, c);
    x1 = fma(x1, m, c);
    x2 = fma(x2, m, c);
    x3 = fma(x3, m, c);
    x4 = fma(x4, m, c);
    x5 = fma(x5, m, c);
    x6 = fma(x6, m, c);
    x7 = fma(x7, m, c);
  }
  out[i] = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
}

// out = a                                        a, out: [n] vec4; 32 bytes moved an element
@compute @workgroup_size(GRID_WG)
fn copy(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  out[i] = a[i];
}
