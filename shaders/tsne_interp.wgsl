// The t-SNE repulsion by FFT-accelerated interpolation (FIt-SNE: Linderman et al., Nature Methods
// 2019), the kernels around the FFT (fft.wgsl). The map y: [n, 2]; its square bounding box
// [x0, x0 + B·width]² (both coordinates share one range, as FIt-SNE) cut into B × B intervals
// ("boxes"), each with p × p = 3 × 3 nodes at ((s + ½)/p, (t + ½)/p) of the box: m = B·p nodes a
// side, equispaced h = width/p apart across the whole grid. Charges of point j (relative to the
// grid's centre c, y' = y − c, to keep the |y'|² charge small):  q_j = (1, y'_j1, y'_j2, |y'_j|²).
//   spread:  w_c[node] = Σ_{j in node's box} l_s(u_j1) l_t(u_j2) q_jc      (Lagrange weights, u ∈ [0,1])
//   conv:    φ_c[a] = Σ_b K(ỹ_a − ỹ_b) w_c[b],  K = (1 + d²)⁻²  (by FFT on an N × N zero-padded grid)
//   gather:  φ_ic = Σ_{nodes of i's box} l_s(u_i1) l_t(u_i2) φ_c[node]
//   R_i = Σ_{j≠i} w_ij² (y_i − y_j) = y'_i φ_i0 − (φ_i1, φ_i2)
//   Σ_{j≠i} w_ij = Σ_j w_ij² (1 + ‖y_i − y_j‖²) − 1 = (1 + |y'_i|²) φ_i0 − 2 y'_i·(φ_i1, φ_i2) + φ_i3 − 1
// Grids are [N, N] complex (vec2f), row = the node's y index, column = its x index; the four
// real charge grids travel as two complex ones, (w0 + i w1) and (w2 + i w3): K is real and even,
// so its spectrum is real and the convolution keeps real and imaginary parts apart.
// The spread is a scatter-add, and WGSL has no float atomics: the points are sorted by box instead
// (a counting sort: integer atomics count and place them, then each box's list is put in index
// order, so the sums below run in the same order every time), and one invocation per node gathers
// from its own box's points. A node belongs to one box only, so no two invocations write one value.

struct Params {
  n: u32,        // points
  boxes: u32,    // B, intervals per dimension
  fft_n: u32,    // N, the padded grid's side (a power of two ≥ 2·B·p − 1)
  power: u32,    // kernel_grid: 1 → (1 + d²)⁻¹, 2 → (1 + d²)⁻²
  width: f32,    // bounds: the interval width the host fixed (0: the map's extent / B, every call)
}

@group(0) @binding(0) var<uniform> P: Params;

const NODES = 3u;   // p, interpolation nodes per interval and dimension (FIt-SNE's default)

// The grid as `bounds` writes it: (x0, width, centre, the map's extent).
struct Grid { x0: f32, width: f32, centre: f32, extent: f32 }

// Lagrange basis of the nodes 1/6, 1/2, 5/6 at u: (l_0(u), l_1(u), l_2(u)).
fn lagrange3(u: f32) -> vec3f {
  let a = u - 1.0 / 6.0;
  let b = u - 0.5;
  let c = u - 5.0 / 6.0;
  return vec3f(4.5 * b * c, -9.0 * a * c, 4.5 * a * b);
}

// A coordinate's interval (clamped: the maximum falls in the last one) and its place u inside it.
fn cell(v: f32, g: Grid) -> vec2f {
  let box = clamp(floor((v - g.x0) / g.width), 0.0, f32(P.boxes - 1u));
  return vec2f(box, (v - (g.x0 + box * g.width)) / g.width);
}

// ---- the grid: bounding box of the map ------------------------------------------------------------

@group(0) @binding(1) var<storage, read> y: array<vec2f>;         // [n] the map
@group(0) @binding(2) var<storage, read_write> grid_out: Grid;

var<workgroup> lo_part: array<f32, 256>;
var<workgroup> hi_part: array<f32, 256>;

// One workgroup: min and max over both coordinates of all points (a fixed-order tree), then the
// grid's corner, interval width and centre. Kept on the GPU: the kernels read it, the host never waits.
@compute @workgroup_size(256)
fn bounds(@builtin(local_invocation_index) lid: u32) {
  var lo = 3.4e38;
  var hi = -3.4e38;
  for (var i = lid; i < P.n; i += 256u) {
    let p = y[i];
    lo = min(lo, min(p.x, p.y));
    hi = max(hi, max(p.x, p.y));
  }
  lo_part[lid] = lo;
  hi_part[lid] = hi;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) {
      lo_part[lid] = min(lo_part[lid], lo_part[lid + s]);
      hi_part[lid] = max(hi_part[lid], hi_part[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let l = select(lo_part[0], 0.0, P.n == 0u);
    let extent = max(select(hi_part[0], 0.0, P.n == 0u) - l, 1e-20);   // one point, or all equal: a tiny grid
    let centre = l + 0.5 * extent;
    // A width fixed by the host (the map grows slowly; the kernel's spectrum then stays valid) is
    // centred on the map while it holds the map. A map that outgrew it gets the fitted width: no
    // point outside the nodes (Lagrange weights would extrapolate), at the price of a spectrum
    // made for a smaller width until the host fixes a new one (interpolation error, bounded).
    let fitted = extent / f32(P.boxes);
    let width = select(fitted, P.width, P.width >= fitted);
    grid_out = Grid(centre - 0.5 * f32(P.boxes) * width, width, centre, extent);
  }
}

// ---- counting sort of the points by box ----------------------------------------------------------

@group(0) @binding(1) var<storage, read_write> counts_clear: array<u32>;   // [B²]

// counts ← 0: [B²] invocations.
@compute @workgroup_size(GRID_WG)
fn bin_clear(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = grid_index(gid, nwg);
  if (b < P.boxes * P.boxes) { counts_clear[b] = 0u; }
}

@group(0) @binding(2) var<storage, read> grid_in: Grid;
@group(0) @binding(3) var<storage, read_write> box_of_out: array<u32>;      // [n] box index, by·B + bx
@group(0) @binding(4) var<storage, read_write> counts_atomic: array<atomic<u32>>; // [B²]

// Each point's box, and the points per box: [n] invocations (integer atomics: exact in any order).
@compute @workgroup_size(GRID_WG)
fn bin_count(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let g = grid_in;
  let b = u32(cell(y[i].y, g).x) * P.boxes + u32(cell(y[i].x, g).x);
  box_of_out[i] = b;
  atomicAdd(&counts_atomic[b], 1u);
}

@group(0) @binding(1) var<storage, read_write> counts_scan: array<u32>;   // [B²] in; zeroed out (the cursors of bin_place)
@group(0) @binding(2) var<storage, read_write> start_out: array<u32>;     // [B² + 1] first slot of each box; start[B²] = n

var<workgroup> chunk_sum: array<u32, 256>;

// One workgroup: the exclusive prefix sum of the counts. Invocation t owns a contiguous chunk of
// boxes: it sums it, the 256 sums are scanned in workgroup memory (Hillis–Steele, a barrier
// between every read and write), then it writes its chunk's starts.
@compute @workgroup_size(256)
fn bin_scan(@builtin(local_invocation_index) lid: u32) {
  let total = P.boxes * P.boxes;
  let per = (total + 255u) / 256u;
  let first = min(lid * per, total);
  let last = min(first + per, total);
  var s = 0u;
  for (var b = first; b < last; b++) { s += counts_scan[b]; }
  chunk_sum[lid] = s;
  workgroupBarrier();
  for (var off = 1u; off < 256u; off <<= 1u) {
    let v = select(0u, chunk_sum[max(lid, off) - off], lid >= off);
    workgroupBarrier();
    chunk_sum[lid] += v;
    workgroupBarrier();
  }
  var run = chunk_sum[lid] - s;
  for (var b = first; b < last; b++) {
    start_out[b] = run;
    run += counts_scan[b];
    counts_scan[b] = 0u;
  }
  if (lid == 255u) { start_out[total] = chunk_sum[255]; }
}

@group(0) @binding(1) var<storage, read> box_of_in: array<u32>;
@group(0) @binding(2) var<storage, read> start_in: array<u32>;
@group(0) @binding(3) var<storage, read_write> cursor: array<atomic<u32>>;   // [B²] from 0
@group(0) @binding(4) var<storage, read_write> order_out: array<u32>;        // [n] point indices by box

// Each point into a free slot of its box's segment: [n] invocations. The order inside a segment
// depends on the atomics' order; bin_sort fixes it.
@compute @workgroup_size(GRID_WG)
fn bin_place(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let b = box_of_in[i];
  order_out[start_in[b] + atomicAdd(&cursor[b], 1u)] = i;
}

@group(0) @binding(1) var<storage, read> start_sort: array<u32>;
@group(0) @binding(2) var<storage, read_write> order_sort: array<u32>;

// Each box's segment in increasing point index (insertion sort, one invocation per box: [B²]),
// so that the spread sums every node's points in one order on every run and every device.
// O(k²) for k points in a box: small while the grid follows the map's extent (a few to a few
// hundred points a box at 70,000 points on 85² boxes).
@compute @workgroup_size(GRID_WG)
fn bin_sort(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = grid_index(gid, nwg);
  if (b >= P.boxes * P.boxes) { return; }
  let s0 = start_sort[b];
  let s1 = start_sort[b + 1u];
  for (var s = s0 + 1u; s < s1; s++) {
    let v = order_sort[s];
    var t = s;
    while (t > s0 && order_sort[t - 1u] > v) {
      order_sort[t] = order_sort[t - 1u];
      t--;
    }
    order_sort[t] = v;
  }
}

// ---- spread: charges onto the nodes -----------------------------------------------------------------

@group(0) @binding(2) var<storage, read> grid_s: Grid;
@group(0) @binding(3) var<storage, read> start_s: array<u32>;
@group(0) @binding(4) var<storage, read> order_s: array<u32>;
@group(0) @binding(5) var<storage, read_write> w_out: array<vec2f>;   // [2, N, N]: (w0, w1), (w2, w3); 0 outside [m, m]
@group(0) @binding(6) var<storage, read_write> w_other: array<vec2f>; // [2, N, N] the FFT's other buffer: rows ≥ m zeroed

// One invocation per cell of the padded N × N grid: a node sums l_s(u_j1)·l_t(u_j2)·q_j over its
// box's points; the padding is written 0 (the FFT's zero padding, no separate clear), and rows ≥ m
// of the FFT's other buffer too: the pruned row passes (fft2dInto, used = m) skip those rows and
// may end in that buffer.
@compute @workgroup_size(GRID_WG)
fn spread(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = grid_index(gid, nwg);
  let nn = P.fft_n * P.fft_n;
  if (e >= nn) { return; }
  let gx = e % P.fft_n;
  let gy = e / P.fft_n;
  let m = P.boxes * NODES;
  var q = vec4f(0.0);
  if (gx < m && gy < m) {
    let g = grid_s;
    let box = (gy / NODES) * P.boxes + gx / NODES;
    let tx = gx % NODES;
    let ty = gy % NODES;
    for (var s = start_s[box]; s < start_s[box + 1u]; s++) {
      let p = y[order_s[s]];
      let l = lagrange3(cell(p.x, g).y)[tx] * lagrange3(cell(p.y, g).y)[ty];
      let d = p - vec2f(g.centre);
      q += l * vec4f(1.0, d.x, d.y, dot(d, d));
    }
  }
  w_out[e] = q.xy;
  w_out[nn + e] = q.zw;
  if (gy >= m) {
    w_other[e] = vec2f(0.0);
    w_other[nn + e] = vec2f(0.0);
  }
}

// ---- the kernel on the node offsets ----------------------------------------------------------------

@group(0) @binding(1) var<storage, read> grid_k: Grid;
@group(0) @binding(2) var<storage, read_write> k_out: array<vec2f>;   // [N, N] (K, 0)

// K at the node offsets (i·h, j·h), |i|, |j| < m, laid out for circular convolution: offset i at
// index i mod N (negative offsets wrap to the end), 0 elsewhere. N ≥ 2m − 1 keeps the two ends
// apart, so the circular convolution of the zero-padded charges equals the linear one on the
// m × m nodes. [N²] invocations; its FFT is the convolution's spectrum (once per iteration: h
// follows the map's extent).
@compute @workgroup_size(GRID_WG)
fn kernel_grid(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = grid_index(gid, nwg);
  if (e >= P.fft_n * P.fft_n) { return; }
  let m = i32(P.boxes * NODES);
  let nf = i32(P.fft_n);
  let a = i32(e % P.fft_n);
  let b = i32(e / P.fft_n);
  let i = select(a - nf, a, a < m);
  let j = select(b - nf, b, b < m);
  let h = grid_k.width / f32(NODES);
  let d = vec2f(f32(i), f32(j)) * h;
  let base = 1.0 / (1.0 + dot(d, d));
  let v = select(base, base * base, P.power == 2u);
  k_out[e] = vec2f(select(0.0, v, abs(i) < m && abs(j) < m), 0.0);
}

// ---- gather: potentials back to the points, and the forces --------------------------------------

@group(0) @binding(2) var<storage, read> grid_g: Grid;
@group(0) @binding(3) var<storage, read> box_of_g: array<u32>;
@group(0) @binding(4) var<storage, read> pot: array<vec2f>;         // [2, N, N] the convolved grids
@group(0) @binding(5) var<storage, read_write> phi_out: array<vec4f>; // [n] φ_i

// φ_i = Σ over the 3 × 3 nodes of i's box of l_s(u_i1) l_t(u_i2) φ[node]: [n] invocations.
@compute @workgroup_size(GRID_WG)
fn gather(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let g = grid_g;
  let p = y[i];
  let b = box_of_g[i];
  let lx = lagrange3(cell(p.x, g).y);
  let ly = lagrange3(cell(p.y, g).y);
  let nn = P.fft_n * P.fft_n;
  let row0 = (b / P.boxes) * NODES;
  let col0 = (b % P.boxes) * NODES;
  var acc = vec4f(0.0);
  for (var t = 0u; t < NODES; t++) {
    for (var s = 0u; s < NODES; s++) {
      let node = (row0 + t) * P.fft_n + col0 + s;
      acc += lx[s] * ly[t] * vec4f(pot[node], pot[nn + node]);
    }
  }
  phi_out[i] = acc;
}

@group(0) @binding(2) var<storage, read> grid_r: Grid;
@group(0) @binding(3) var<storage, read> phi_in: array<vec4f>;     // [n]
@group(0) @binding(4) var<storage, read_write> rep: array<vec2f>;  // [n] R_i = Σ_j w_ij² (y_i − y_j)
@group(0) @binding(5) var<storage, read_write> zrow: array<f32>;   // [n] Σ_{j≠i} w_ij (Z is their sum)

// FIt-SNE's combination of the potentials (header): [n] invocations.
@compute @workgroup_size(GRID_WG)
fn repulsion(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg);
  if (i >= P.n) { return; }
  let d = y[i] - vec2f(grid_r.centre);
  let f = phi_in[i];
  rep[i] = d * f.x - f.yz;
  zrow[i] = (1.0 + dot(d, d)) * f.x - 2.0 * dot(d, f.yz) + f.w - 1.0;
}
