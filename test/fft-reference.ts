// Float64 references for the FFT (fft.wgsl) and the FFT-interpolated t-SNE repulsion
// (tsne_interp.wgsl): the DFT by its definition, the interpolation kernels one by one as FIt-SNE
// writes them (Linderman et al., 2019; src/nbodyfft.cpp), and the exact O(n²) repulsion and Z.

/** The DFT of each row of `x` ([rows, n] complex, interleaved re/im) by its definition, O(n²) a row; the inverse scaled by 1/n. */
export function dftRows(x: ArrayLike<number>, rows: number, n: number, inverse = false): Float64Array {
  const out = new Float64Array(2 * rows * n);
  const sign = inverse ? 1 : -1;
  const cos = Float64Array.from({ length: n }, (_, k) => Math.cos((2 * Math.PI * k) / n));
  const sin = Float64Array.from({ length: n }, (_, k) => Math.sin((2 * Math.PI * k) / n));
  for (let r = 0; r < rows; r++) {
    const o = 2 * r * n;
    for (let k = 0; k < n; k++) {
      let [re, im] = [0, 0];
      for (let j = 0; j < n; j++) {
        const e = (j * k) % n; // exact angle index: no drift in the reference's twiddles
        const [c, s] = [cos[e], sign * sin[e]];
        const [a, b] = [x[o + 2 * j], x[o + 2 * j + 1]];
        re += a * c - b * s;
        im += a * s + b * c;
      }
      out[o + 2 * k] = inverse ? re / n : re;
      out[o + 2 * k + 1] = inverse ? im / n : im;
    }
  }
  return out;
}

/** [n, n] ↔ its transpose, for each of `slabs` complex grids. */
function transposeSlabs(x: ArrayLike<number>, slabs: number, n: number): Float64Array {
  const out = new Float64Array(2 * slabs * n * n);
  for (let s = 0; s < slabs; s++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        for (let c = 0; c < 2; c++) out[2 * (s * n * n + j * n + i) + c] = x[2 * (s * n * n + i * n + j) + c];
  return out;
}

/** The 2-D DFT of each [n, n] complex slab: rows, then columns (through two transposes). */
export function dft2d(x: ArrayLike<number>, slabs: number, n: number, inverse = false): Float64Array {
  const rows = dftRows(x, slabs * n, n, inverse);
  return transposeSlabs(dftRows(transposeSlabs(rows, slabs, n), slabs * n, n, inverse), slabs, n);
}

/** √(Σ |v|²). */
export function norm2(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

// ---- the interpolation ---------------------------------------------------------------------------

/** p = 3 interpolation nodes per interval, at (t + ½)/p of the interval (FIt-SNE's y_tilde_spacings). */
export const NODES = 3;

/** The map's grid as the `bounds` kernel lays it out: lower corner (x0, x0), interval width, centre. */
export interface GridRef {
  x0: number;
  width: number;
  centre: number;
  boxes: number;
}

/** The Lagrange basis l_t(u) of the nodes (s + ½)/p, s < p, at u ∈ [0, 1] (the position inside the interval). */
export function lagrange(u: number, t: number): number {
  let v = 1;
  for (let s = 0; s < NODES; s++) if (s !== t) v *= (u - (s + 0.5) / NODES) / ((t - s) / NODES);
  return v;
}

/** A point's interval (clamped to the grid) and its position inside it, in one coordinate. */
export function cellOf(v: number, g: GridRef): { box: number; u: number } {
  const box = Math.min(Math.max(Math.floor((v - g.x0) / g.width), 0), g.boxes - 1);
  return { box, u: (v - (g.x0 + box * g.width)) / g.width };
}

/** The charges of point i: (1, y'₁, y'₂, |y'|²), y' = y − the grid's centre. */
export function charges(y: ArrayLike<number>, i: number, g: GridRef): number[] {
  const [a, b] = [y[2 * i] - g.centre, y[2 * i + 1] - g.centre];
  return [1, a, b, a * a + b * b];
}

/** The node grid's charges w: [4, m, m] (m = boxes·p), each point's spread with the weights l_s(u₁)·l_t(u₂). */
export function spreadRef(y: ArrayLike<number>, n: number, g: GridRef): Float64Array {
  const m = g.boxes * NODES;
  const w = new Float64Array(4 * m * m);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = [cellOf(y[2 * i], g), cellOf(y[2 * i + 1], g)];
    const q = charges(y, i, g);
    for (let ty = 0; ty < NODES; ty++)
      for (let tx = 0; tx < NODES; tx++) {
        const node = (cy.box * NODES + ty) * m + cx.box * NODES + tx;
        const l = lagrange(cx.u, tx) * lagrange(cy.u, ty);
        for (let c = 0; c < 4; c++) w[c * m * m + node] += l * q[c];
      }
  }
  return w;
}

/** (1 + d²)^−power. */
export const kernel = (d2: number, power: number) => (1 + d2) ** -power;

/** The potentials on the nodes, φ_c[a] = Σ_b K(ỹ_a − ỹ_b) w_c[b], by the direct O(m⁴) sum. */
export function convolveRef(w: Float64Array, g: GridRef, power: number): Float64Array {
  const m = g.boxes * NODES;
  const h = g.width / NODES;
  const mm = m * m;
  const out = new Float64Array(4 * mm);
  for (let a = 0; a < mm; a++)
    for (let b = 0; b < mm; b++) {
      const [di, dj] = [Math.floor(a / m) - Math.floor(b / m), (a % m) - (b % m)];
      const k = kernel(h * h * (di * di + dj * dj), power);
      for (let c = 0; c < 4; c++) out[c * mm + a] += k * w[c * mm + b];
    }
  return out;
}

/** Each point's potentials φ: [n, 4], interpolated from the nodes' with the spread's weights. */
export function gatherRef(y: ArrayLike<number>, n: number, g: GridRef, phiNodes: ArrayLike<number>): Float64Array {
  const m = g.boxes * NODES;
  const out = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = [cellOf(y[2 * i], g), cellOf(y[2 * i + 1], g)];
    for (let ty = 0; ty < NODES; ty++)
      for (let tx = 0; tx < NODES; tx++) {
        const node = (cy.box * NODES + ty) * m + cx.box * NODES + tx;
        const l = lagrange(cx.u, tx) * lagrange(cy.u, ty);
        for (let c = 0; c < 4; c++) out[4 * i + c] += l * phiNodes[c * m * m + node];
      }
  }
  return out;
}

/**
 * FIt-SNE's combination (its compute_repulsive_forces, 2-D): with the squared kernel
 * w² = (1 + d²)⁻² and charges (1, y', |y'|²), R_i = y'_i φ₀ − (φ₁, φ₂) and
 * Σ_{j≠i} w_ij = (1 + |y'_i|²) φ₀ − 2 y'_i·(φ₁, φ₂) + φ₃ − 1 (the −1 drops j = i).
 */
export function combineRef(y: ArrayLike<number>, n: number, g: GridRef, phi: ArrayLike<number>): { rep: Float64Array; zrow: Float64Array } {
  const rep = new Float64Array(2 * n);
  const zrow = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b] = [y[2 * i] - g.centre, y[2 * i + 1] - g.centre];
    const [p0, p1, p2, p3] = [phi[4 * i], phi[4 * i + 1], phi[4 * i + 2], phi[4 * i + 3]];
    rep[2 * i] = a * p0 - p1;
    rep[2 * i + 1] = b * p0 - p2;
    zrow[i] = (1 + a * a + b * b) * p0 - 2 * (a * p1 + b * p2) + p3 - 1;
  }
  return { rep, zrow };
}

/** The exact repulsion R_i = Σ_{j≠i} w_ij² (y_i − y_j) ([n, 2]) and Z = Σ_{i≠j} w_ij, w_ij = (1 + ‖y_i − y_j‖²)⁻¹. */
export function exactRepulsion(y: ArrayLike<number>, n: number): { rep: Float64Array; z: number } {
  const rep = new Float64Array(2 * n);
  let z = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const [dx, dy] = [y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]];
      const w = 1 / (1 + dx * dx + dy * dy);
      rep[2 * i] += w * w * dx;
      rep[2 * i + 1] += w * w * dy;
      z += w;
    }
  return { rep, z };
}
