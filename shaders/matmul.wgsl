// C = op(A) · op(B) [+ bias] [ReLU]
//   op(A): [M, K], stored [M, K] or, with TRANS_A, [K, M] (read in place, never copied)
//   op(B): [K, N], stored [K, N] or, with TRANS_B, [N, K]
//   bias:  [1, N]; C: [M, N]
// MASK_A (MASK_B) multiplies each A (B) element by [mask > 0] as it is read (mask has that operand's
// stored layout): the ReLU backward fused into the gradient products dX = (g ⊙ [y > 0]) · Wᵀ and
// dW = Xᵀ · (g ⊙ [y > 0]), so g ⊙ [y > 0] is never written out.

struct Dims { M: u32, N: u32, K: u32, chunk: u32 } // chunk: K per split (split-K only)

@group(0) @binding(0) var<uniform> D: Dims;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<f32>;
@group(0) @binding(5) var<storage, read_write> C: array<f32>;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override BIAS: bool = false;
override RELU: bool = false;
override MASK_A: bool = false;
override MASK_B: bool = false;
// Workgroup shape; each invocation of `matmul` / `matmul_vec4` computes a 4 × 8 block of C, so a
// workgroup covers (4·WG_Y) × (8·WG_X) outputs. 8 × 8 by default; for a narrow C (N = 10, say) the
// host stretches it (2 × 32) so that llvmpipe's 8-invocation SIMD lane groups are not left idle.
override WG_X: u32 = 8;
override WG_Y: u32 = 8;

fn a_at(r: u32, k: u32) -> f32 {
  var i = r * D.K + k;
  if (TRANS_A) { i = k * D.M + r; }
  if (MASK_A) { return select(0.0, A[i], mask[i] > 0.0); }
  return A[i];
}

fn b_at(k: u32, c: u32) -> f32 {
  var i = k * D.N + c;
  if (TRANS_B) { i = c * D.K + k; }
  if (MASK_B) { return select(0.0, B[i], mask[i] > 0.0); }
  return B[i];
}

fn epilogue(r: u32, c: u32, v: f32) {
  var y = v;
  if (BIAS) { y += bias[c]; }
  if (RELU) { y = max(y, 0.0); }
  C[r * D.N + c] = y;
}

// The validation reference: one output per invocation.
@compute @workgroup_size(8, 8)
fn matmul_naive(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.y;
  let c = gid.x;
  if (r >= D.M || c >= D.N) { return; }
  var s = 0.0;
  for (var k = 0u; k < D.K; k++) { s += a_at(r, k) * b_at(k, c); }
  epilogue(r, c, s);
}

// Split-K (deep and narrow products such as 256×2000×10, whose few output blocks would each walk
// all of K): invocation z of the third grid dimension sums k in [z·D.chunk, (z+1)·D.chunk) and
// stores its raw partial sums at C[z·M·N + …]; `splitk_reduce` adds the partials in z order and
// applies the epilogue.
override SPLIT_K: bool = false;

// Register-blocked: a 4 × 8 block of C per invocation, accumulated as 4 rows × two vec4 column
// halves, no workgroup memory (on llvmpipe every barrier serialises the workgroup's lane groups).
// Edge blocks clamp their load indices (no branches in the K loop) and mask their stores.
@compute @workgroup_size(WG_X, WG_Y)
fn matmul(@builtin(global_invocation_id) gid: vec3u) {
  let r0 = gid.y * 4u;
  let c0 = gid.x * 8u;
  if (r0 >= D.M || c0 >= D.N) { return; }
  let rm = D.M - 1u;
  let cm = D.N - 1u;
  let r = vec4u(r0, min(r0 + 1u, rm), min(r0 + 2u, rm), min(r0 + 3u, rm));
  let ca = vec4u(c0, min(c0 + 1u, cm), min(c0 + 2u, cm), min(c0 + 3u, cm));
  let cb = vec4u(min(c0 + 4u, cm), min(c0 + 5u, cm), min(c0 + 6u, cm), min(c0 + 7u, cm));
  var acc: array<vec4f, 8>;
  var k0 = 0u;
  var k1 = D.K;
  if (SPLIT_K) {
    k0 = gid.z * D.chunk;
    k1 = min(D.K, k0 + D.chunk);
  }
  for (var k = k0; k < k1; k++) {
    let a = vec4f(a_at(r.x, k), a_at(r.y, k), a_at(r.z, k), a_at(r.w, k));
    let b0 = vec4f(b_at(k, ca.x), b_at(k, ca.y), b_at(k, ca.z), b_at(k, ca.w));
    let b1 = vec4f(b_at(k, cb.x), b_at(k, cb.y), b_at(k, cb.z), b_at(k, cb.w));
    acc[0] += a.x * b0; acc[1] += a.x * b1;
    acc[2] += a.y * b0; acc[3] += a.y * b1;
    acc[4] += a.z * b0; acc[5] += a.z * b1;
    acc[6] += a.w * b0; acc[7] += a.w * b1;
  }
  for (var i = 0u; i < 4u; i++) {
    let row = r0 + i;
    if (row > rm) { break; }
    for (var j = 0u; j < 8u; j++) {
      let col = c0 + j;
      if (col > cm) { break; }
      let v = acc[2u * i + j / 4u][j % 4u];
      if (SPLIT_K) { C[gid.z * D.M * D.N + row * D.N + col] = v; } else { epilogue(row, col, v); }
    }
  }
}

// Split-K, second pass: C[i] = epilogue(Σ_z partial[z, i]), z in order (deterministic).
// The partials are bound as A ([splits, M, N]); D.K holds the number of splits here.
@compute @workgroup_size(GRID_WG)
fn splitk_reduce(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  let mn = D.M * D.N;
  if (i >= mn) { return; }
  var s = 0.0;
  for (var z = 0u; z < D.K; z++) { s += A[z * mn + i]; }
  epilogue(i / D.N, i % D.N, s);
}

// ---- vec4 path: M, N and K all multiples of 4 -------------------------------------------------
// The same 4 × 8 block per invocation, but K is walked 4 at a time and every load is a vec4: a 4×4
// tile of op(A) (4 vec4) and a 4×8 tile of op(B) (8 vec4) feed 32 vec4 FMAs. Transposed operands
// are loaded along their contiguous axis and transposed in registers. A4, B4 and mask4 are vec4
// views of bindings 1, 2 and 4; an entry point uses either these or the scalar views, never both.
@group(0) @binding(1) var<storage, read> A4: array<vec4f>;
@group(0) @binding(2) var<storage, read> B4: array<vec4f>;
@group(0) @binding(4) var<storage, read> mask4: array<vec4f>;

fn a4_at(i: u32) -> vec4f {
  if (MASK_A) { return select(vec4f(0.0), A4[i], mask4[i] > vec4f(0.0)); }
  return A4[i];
}

fn b4_at(i: u32) -> vec4f {
  if (MASK_B) { return select(vec4f(0.0), B4[i], mask4[i] > vec4f(0.0)); }
  return B4[i];
}

@compute @workgroup_size(WG_X, WG_Y)
fn matmul_vec4(@builtin(global_invocation_id) gid: vec3u) {
  let r0 = gid.y * 4u;
  let c0 = gid.x * 8u;
  if (r0 >= D.M || c0 >= D.N) { return; }
  let M4 = D.M / 4u;
  let N4 = D.N / 4u;
  let K4 = D.K / 4u;
  let ch0 = c0 / 4u;
  let ch1 = min(ch0 + 1u, N4 - 1u); // the second column half may lie past N when N % 8 == 4
  var acc: array<vec4f, 8>;
  for (var k4 = 0u; k4 < K4; k4++) {
    let k = 4u * k4;
    // a[i]: row r0 + i of op(A), columns k..k+3
    var a: array<vec4f, 4>;
    if (TRANS_A) {
      // stored [K, M]: row k + j holds op(A)[r0..r0+3, k + j]
      let t0 = a4_at((k + 0u) * M4 + gid.y);
      let t1 = a4_at((k + 1u) * M4 + gid.y);
      let t2 = a4_at((k + 2u) * M4 + gid.y);
      let t3 = a4_at((k + 3u) * M4 + gid.y);
      a[0] = vec4f(t0.x, t1.x, t2.x, t3.x);
      a[1] = vec4f(t0.y, t1.y, t2.y, t3.y);
      a[2] = vec4f(t0.z, t1.z, t2.z, t3.z);
      a[3] = vec4f(t0.w, t1.w, t2.w, t3.w);
    } else {
      let rm = D.M - 1u;
      a[0] = a4_at(r0 * K4 + k4);
      a[1] = a4_at(min(r0 + 1u, rm) * K4 + k4);
      a[2] = a4_at(min(r0 + 2u, rm) * K4 + k4);
      a[3] = a4_at(min(r0 + 3u, rm) * K4 + k4);
    }
    // b[2j + h]: row k + j of op(B), column half h
    var b: array<vec4f, 8>;
    if (TRANS_B) {
      // stored [N, K]: row c holds op(B)[k..k+3, c]; load 8 columns and transpose each 4×4 half
      for (var h = 0u; h < 2u; h++) {
        let cbase = select(ch0, ch1, h == 1u) * 4u;
        let s0 = b4_at((cbase + 0u) * K4 + k4);
        let s1 = b4_at((cbase + 1u) * K4 + k4);
        let s2 = b4_at((cbase + 2u) * K4 + k4);
        let s3 = b4_at((cbase + 3u) * K4 + k4);
        b[0u + h] = vec4f(s0.x, s1.x, s2.x, s3.x);
        b[2u + h] = vec4f(s0.y, s1.y, s2.y, s3.y);
        b[4u + h] = vec4f(s0.z, s1.z, s2.z, s3.z);
        b[6u + h] = vec4f(s0.w, s1.w, s2.w, s3.w);
      }
    } else {
      for (var j = 0u; j < 4u; j++) {
        b[2u * j] = b4_at((k + j) * N4 + ch0);
        b[2u * j + 1u] = b4_at((k + j) * N4 + ch1);
      }
    }
    for (var i = 0u; i < 4u; i++) {
      let ai = a[i];
      acc[2u * i] += ai.x * b[0] + ai.y * b[2] + ai.z * b[4] + ai.w * b[6];
      acc[2u * i + 1u] += ai.x * b[1] + ai.y * b[3] + ai.z * b[5] + ai.w * b[7];
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let row = r0 + i;
    if (row >= D.M) { break; }
    for (var j = 0u; j < 8u; j++) {
      let col = c0 + j;
      if (col >= D.N) { break; }
      epilogue(row, col, acc[2u * i + j / 4u][j % 4u]);
    }
  }
}
