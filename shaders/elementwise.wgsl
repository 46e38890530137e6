// The differentiable elementwise ops over flat f32 arrays of n elements, forward and backward.
// Dispatch: grid1d (GRID_WG invocations per workgroup, a 2-D grid of workgroups past 65535);
// element index i = grid_index(gid, nwg), both from the prelude (src/gpu/shaders.ts).
// The entry points follow this file, generated from the table in src/tensor/ops/elementwise.ts:
// one expression out[i] = f(a[i], b[i], P) each, behind one bounds guard.

struct Params {
  n: u32,      // elements of the output
  cols: u32,   // row length for row/column broadcasts
  alpha: f32,  // scale factor
  beta: f32,   // second factor (fill value …)
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
