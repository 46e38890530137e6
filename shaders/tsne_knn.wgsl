// Sparse t-SNE input affinities (as FIt-SNE / openTSNE): each point's exact k nearest neighbours
// by brute force, never an n × n matrix, then p_{j|i} calibrated to the perplexity on those k.
//   xq: [rows, d] a block of query points, global indices q0 … q0 + rows − 1
//   xc: [cols, d] a chunk of candidate points, global indices c0 … c0 + cols − 1
//   hd, hi: [rows, k] per query row the k best (D_ij = ‖x_i − x_j‖², j) seen so far:
//     during knn_tile a max-heap on (D, j) (the root is the worst kept), after knn_sort ascending
//     by (D, j), after knn_perplexity hd holds p_{j|i} (row sums 1)
//   beta: [rows] the precision β_i found
// Ties are broken by index (the lower index wins): candidates arrive in ascending index order, and
// a candidate replaces the root only if (D, j) < (D_root, j_root) lexicographically.

struct Params {
  rows: u32,            // query rows in the block
  q0: u32,              // global index of the block's first row (to skip i itself)
  cols: u32,            // candidate rows in the chunk
  c0: u32,              // global index of the chunk's first row
  begin: u32,           // this dispatch's candidates: [begin, end) of the chunk
  end: u32,
  d: u32,               // coordinates per point
  k: u32,               // neighbours per row, 1 ≤ k ≤ n − 1
  log_perplexity: f32,  // the entropy each row must reach, ln(perplexity)
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> hd: array<f32>;
@group(0) @binding(2) var<storage, read_write> hi: array<u32>;

const EMPTY = 0xffffffffu;
const FAR = 0x1.fffffep+127f;  // an empty slot's distance: every finite D beats it

// (da, ia) after (db, ib) in the (distance, index) order.
fn worse(da: f32, ia: u32, db: f32, ib: u32) -> bool {
  return da > db || (da == db && ia > ib);
}

// Puts (dv, iv) in the hole at the root of the max-heap hd/hi[base .. base + size) and sifts it
// down. A heap, not a sorted list: a replacement costs log2 k reads and writes instead of k / 2
// shifts, and replacements are many (about k ln(n / k) per row over the whole pass).
fn sift_root(base: u32, size: u32, dv: f32, iv: u32) {
  var r = 0u;
  loop {
    var c = 2u * r + 1u;
    if (c >= size) { break; }
    if (c + 1u < size && worse(hd[base + c + 1u], hi[base + c + 1u], hd[base + c], hi[base + c])) { c += 1u; }
    if (!worse(hd[base + c], hi[base + c], dv, iv)) { break; }
    hd[base + r] = hd[base + c];
    hi[base + r] = hi[base + c];
    r = c;
  }
  hd[base + r] = dv;
  hi[base + r] = iv;
}

// ---- the neighbours -------------------------------------------------------------------------------

@group(0) @binding(3) var<storage, read> xq: array<f32>;
@group(0) @binding(4) var<storage, read> xc: array<f32>;

const Q = 64u;   // invocations per workgroup; each takes two query rows, Q apart: 128 rows
const C = 32u;   // candidates per tile
const V = 8u;    // coordinates per chunk, in vec4s: 32
var<workgroup> ctile: array<array<vec4f, 8>, 32>;   // [candidate][coordinates / 4], 4 KiB

// Coordinates s … s + 3 of query row r, zero past d (a zero pad adds nothing to a distance).
fn query4(r: u32, s: u32) -> vec4f {
  var v = vec4f(0.0);
  for (var e = 0u; e < 4u; e++) {
    let t = s + e;
    v[e] = select(0.0, xq[r * P.d + min(t, P.d - 1u)], t < P.d);
  }
  return v;
}

// Query row r (global index gi) takes the tile's m distances to candidates jt, jt + 1, … into its
// heap: each one that beats the root, (D, j) < (D_root, j_root), replaces it.
fn merge_tile(r: u32, gi: u32, jt: u32, m: u32, acc: ptr<function, array<f32, 32>>) {
  let base = r * P.k;
  var root_d = hd[base];
  var root_i = hi[base];
  for (var u = 0u; u < m; u++) {
    let j = jt + u;
    let dv = (*acc)[u];
    if (j != gi && worse(root_d, root_i, dv, j)) {
      sift_root(base, P.k, dv, j);
      root_d = hd[base];
      root_i = hi[base];
    }
  }
}

// Candidates [begin, end) of the chunk against the block's query rows: a tile of C candidates at
// a time through workgroup memory (all invocations then read the same candidate: a broadcast), 32
// coordinates at a time so that d = 784 fits; each invocation's two query rows' chunks sit in
// registers (two rows per invocation: each candidate value read from workgroup memory serves
// two distances). Then each row merges the tile's C distances into its heap. Differences, not
// ‖x‖² + ‖y‖² − 2 x·y: no cancellation, so near neighbours keep their order and duplicates are at
// exactly 0. The dispatch with begin = 0 of the chunk with c0 = 0 starts the heaps empty.
@compute @workgroup_size(64)
fn knn_tile(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  if (P.rows == 0u || P.cols == 0u || P.k == 0u || P.d == 0u) { return; } // uniform: nothing to clamp to
  let r0 = (wg.y * nwg.x + wg.x) * 2u * Q + lid.x;
  let r1 = r0 + Q;
  let ra = min(r0, P.rows - 1u);
  let rb = min(r1, P.rows - 1u);
  if (P.c0 == 0u && P.begin == 0u) {
    for (var m = 0u; m < P.k; m++) {
      if (r0 < P.rows) { hd[r0 * P.k + m] = FAR; hi[r0 * P.k + m] = EMPTY; }
      if (r1 < P.rows) { hd[r1 * P.k + m] = FAR; hi[r1 * P.k + m] = EMPTY; }
    }
  }
  var qa: array<vec4f, 8>;
  var qb: array<vec4f, 8>;
  var acca: array<f32, 32>;
  var accb: array<f32, 32>;
  let end = min(P.end, P.cols);
  for (var t0 = P.begin; t0 < end; t0 += C) {
    for (var u = 0u; u < C; u++) { acca[u] = 0.0; accb[u] = 0.0; }
    for (var s0 = 0u; s0 < P.d; s0 += 4u * V) {
      let nv = min(V, (P.d - s0 + 3u) / 4u);   // uniform: no wasted vec4 past d
      if (P.d > 4u * V || t0 == P.begin) {      // d ≤ 32: the query rows are loaded once
        for (var v = 0u; v < nv; v++) {
          qa[v] = query4(ra, s0 + 4u * v);
          qb[v] = query4(rb, s0 + 4u * v);
        }
      }
      // C × 4 nv floats (only the chunk's own coordinates: d = 10 loads 12 per candidate, not 32),
      // adjacent invocations loading adjacent coordinates of one candidate.
      let w = 4u * nv;
      for (var e = lid.x; e < C * w; e += Q) {
        let cu = e / w;
        let s = e % w;
        let j = t0 + cu;
        let t = s0 + s;
        ctile[cu][s / 4u][s % 4u] = select(0.0, xc[min(j, P.cols - 1u) * P.d + min(t, P.d - 1u)], j < end && t < P.d);
      }
      workgroupBarrier();
      for (var u = 0u; u < C; u++) {
        var a = 0.0;
        var b = 0.0;
        for (var v = 0u; v < nv; v++) {
          let c = ctile[u][v];
          let da = qa[v] - c;
          let db = qb[v] - c;
          a += dot(da, da);
          b += dot(db, db);
        }
        acca[u] += a;
        accb[u] += b;
      }
      workgroupBarrier();
    }
    let m = min(C, end - t0);
    if (r0 < P.rows) { merge_tile(r0, P.q0 + r0, P.c0 + t0, m, &acca); }
    if (r1 < P.rows) { merge_tile(r1, P.q0 + r1, P.c0 + t0, m, &accb); }
  }
}

// Row r's heap into ascending (D, j) order, in place (heapsort: the root, the worst, goes last).
@compute @workgroup_size(GRID_WG)
fn knn_sort(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = grid_index(gid, nwg);
  if (r >= P.rows) { return; }
  let base = r * P.k;
  for (var size = P.k; size > 1u; size--) {
    let last = base + size - 1u;
    let dv = hd[last];
    let iv = hi[last];
    hd[last] = hd[base];
    hi[last] = hi[base];
    sift_root(base, size - 1u, dv, iv);
  }
}

// ---- the affinities ---------------------------------------------------------------------------

@group(0) @binding(2) var<storage, read_write> beta: array<f32>;

// Row r on its k sorted neighbours, as tsne.wgsl's perplexity_rows on all n − 1: bisection on β
// until H(P_i) = ln(perplexity) within 1e-5 nats (at most 100 halvings, as scikit-learn), then
// p_{j|i} = exp(−β (D_ij − D_min)) / Σ over the k, written over D. The shift by the nearest
// distance (the row's first, as it is sorted) keeps the largest term 1: the sum never underflows.
@compute @workgroup_size(GRID_WG)
fn knn_perplexity(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = grid_index(gid, nwg);
  if (r >= P.rows || P.k == 0u) { return; }
  let base = r * P.k;
  let dmin = hd[base];
  var b = 1.0;
  var lo = 0.0;
  var hi_b = 3.4e38;
  for (var step = 0u; step < 100u; step++) {
    var s = 0.0;    // Σ_j exp(−β (D_ij − dmin))
    var sd = 0.0;   // Σ_j (D_ij − dmin) exp(…)
    for (var m = 0u; m < P.k; m++) {
      let dj = hd[base + m] - dmin;
      let e = exp(-b * dj);
      s += e;
      sd += dj * e;
    }
    let h = log(s) + b * sd / s;   // entropy of row r in nats
    let diff = h - P.log_perplexity;
    if (abs(diff) <= 1e-5) { break; }
    if (diff > 0.0) {          // too flat: sharpen
      lo = b;
      b = select(b * 2.0, (b + hi_b) * 0.5, hi_b < 3.4e38);
    } else {
      hi_b = b;
      b = (b + lo) * 0.5;
    }
  }
  var s = 0.0;
  for (var m = 0u; m < P.k; m++) { s += exp(-b * (hd[base + m] - dmin)); }
  for (var m = 0u; m < P.k; m++) { hd[base + m] = exp(-b * (hd[base + m] - dmin)) / s; }
  beta[r] = b;
}
