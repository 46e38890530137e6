// Complex FFT, Stockham auto-sort (no bit-reversal pass), radix 4 with one radix-2 pass when log2 N
// is odd; batched over many transforms of one power-of-two length N; one dispatch per pass.
// Radix 4 pays: half the passes over memory and a quarter of the twiddle loads of radix 2 (a 2-D
// FFT of 2 × 1024² took 120 ms, against 360 ms with radix 2 alone, on lavapipe with 2 cores).
//   x: [batches transforms of N complex values, element k of transform b at base(b) + k·inner,
//       base(b) = (b / per_slab)·N² + (r / inner)·N·inner + r % inner, r = b % per_slab]
//   -> X, the same layout;  X_k = Σ_j x_j e^{∓2πi jk/N} (forward −, inverse + and 1/N on its last pass).
// inner = 1: the rows of [batches, N] (per_slab = batches) or the first per_slab rows of each
// [N, N] slab; inner = N: the first per_slab columns of each slab. A 2-D transform is the row
// passes then the column passes, with no transpose; the rows or columns known to be zero (the
// zero padding) or not needed (outside the m × m nodes) are left out (fft.ts, fft2dInto). Complex values are
// vec2f (re, im). Twiddles come from a table e^{−2πi k/N}, k < N, computed in float64 on the host:
// WGSL only promises sin/cos to an absolute 2⁻¹¹, far from the ε·log2 N a float32 FFT can reach.
// Each invocation reads R values and writes R values of another buffer (ping-pong, out of place):
// no workgroup memory, no barriers, nothing that depends on a subgroup size or lane order.
// Pass of radix R combining sub-transforms of length Ns into length Ns·R (Ns = 1, R, R², …), for
// j < N/R, k = j mod Ns:  v_r = x[j + r·N/R] · w^{r·k},  w = e^{∓2πi/(Ns·R)};  V = DFT_R(v);
// y[(j / Ns)·Ns·R + k + r·Ns] = V_r  (Govindaraju et al., SC 2008; Van Loan, ch. 1.7).

struct Params {
  n: u32,        // N, the transform length (a power of two)
  ns: u32,       // Ns, the length of the sub-transforms this pass combines
  batches: u32,  // transforms (mul_spectrum: slabs of `count` values)
  inner: u32,    // stride between a transform's consecutive elements (1 or N)
  inverse: u32,  // 1: conjugate twiddles and butterflies
  scale: f32,    // applied to what this pass writes (1/N on an inverse's last pass, else 1)
  count: u32,    // mul_spectrum: complex values per slab
  per_slab: u32, // transforms per [N, N] slab (see base(b) above)
}

@group(0) @binding(0) var<uniform> P: Params;

// ---- one Stockham pass --------------------------------------------------------------------------

@group(0) @binding(1) var<storage, read> src: array<vec2f>;
@group(0) @binding(2) var<storage, read> twiddle: array<vec2f>;   // [N] e^{−2πi k/N}
@group(0) @binding(3) var<storage, read_write> dst: array<vec2f>;

fn cmul(a: vec2f, b: vec2f) -> vec2f { return vec2f(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

// e^{∓2πi e/N} from the table (conjugated for the inverse).
fn tw(e: u32) -> vec2f {
  let t = twiddle[e & (P.n - 1u)];
  return select(t, vec2f(t.x, -t.y), P.inverse == 1u);
}

// Which transform b and which j < N/R invocation t works on: along the batch when transforms
// interleave (inner > 1, columns), so adjacent invocations touch adjacent memory either way.
fn pass_coords(t: u32, per: u32) -> vec2u {
  if (P.inner == 1u) { return vec2u(t / per, t % per); }
  return vec2u(t % P.batches, t / P.batches);
}

fn base_of(b: u32) -> u32 {
  let r = b % P.per_slab;
  return (b / P.per_slab) * P.n * P.n + (r / P.inner) * P.n * P.inner + r % P.inner;
}

// Radix 4: [N/4 · batches] invocations.
@compute @workgroup_size(GRID_WG)
fn stockham_r4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = grid_index(gid, nwg);
  let q = P.n / 4u;
  if (t >= q * P.batches) { return; }
  let bj = pass_coords(t, q);
  let base = base_of(bj.x);
  let j = bj.y;
  let k = j % P.ns;
  let step = P.n / (P.ns * 4u);   // w = e^{∓2πi/(4Ns)} is table entry `step`
  let s = P.inner;
  let a0 = src[base + j * s];
  // w^k from the table; w^2k and w^3k by products: one table load instead of three (a quarter
  // of the pass's time on lavapipe), for at most two more roundings in a twiddle.
  let w1 = tw(k * step);
  let w2 = cmul(w1, w1);
  let a1 = cmul(src[base + (j + q) * s], w1);
  let a2 = cmul(src[base + (j + 2u * q) * s], w2);
  let a3 = cmul(src[base + (j + 3u * q) * s], cmul(w2, w1));
  let t0 = a0 + a2;
  let t1 = a0 - a2;
  let t2 = a1 + a3;
  let d = a1 - a3;
  // (a1 − a3)·(∓i): forward multiplies by −i, the inverse by +i.
  let t3 = select(vec2f(d.y, -d.x), vec2f(-d.y, d.x), P.inverse == 1u);
  let o = base + ((j / P.ns) * P.ns * 4u + k) * s;
  let ns = P.ns * s;
  dst[o] = (t0 + t2) * P.scale;
  dst[o + ns] = (t1 + t3) * P.scale;
  dst[o + 2u * ns] = (t0 - t2) * P.scale;
  dst[o + 3u * ns] = (t1 - t3) * P.scale;
}

// Radix 2: [N/2 · batches] invocations (the last pass when log2 N is odd).
@compute @workgroup_size(GRID_WG)
fn stockham_r2(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = grid_index(gid, nwg);
  let h = P.n / 2u;
  if (t >= h * P.batches) { return; }
  let bj = pass_coords(t, h);
  let base = base_of(bj.x);
  let j = bj.y;
  let k = j % P.ns;
  let s = P.inner;
  let a0 = src[base + j * s];
  let a1 = cmul(src[base + (j + h) * s], tw(k * (P.n / (P.ns * 2u))));
  let o = base + ((j / P.ns) * P.ns * 2u + k) * s;
  dst[o] = (a0 + a1) * P.scale;
  dst[o + P.ns * s] = (a0 - a1) * P.scale;
}

// ---- the convolution's pointwise product ----------------------------------------------------------

@group(0) @binding(1) var<storage, read> spectrum: array<vec2f>;   // [count] K̂
@group(0) @binding(2) var<storage, read_write> slabs: array<vec2f>; // [batches, count] Ŵ, in place

// Ŵ_s ← Ŵ_s ⊙ K̂ for every slab s: the convolution theorem's product, [batches · count] invocations.
@compute @workgroup_size(GRID_WG)
fn mul_spectrum(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = grid_index(gid, nwg);
  if (e >= P.count * P.batches) { return; }
  slabs[e] = cmul(slabs[e], spectrum[e % P.count]);
}
