// Trustworthiness T(k) (Venna & Kaski 2001; as scikit-learn's `sklearn.manifold.trustworthiness`):
//   T(k) = 1 − 2 / (n k (2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k(i) in the map} max(0, r(i, j) − k)
// where r(i, j) is j's rank among i's neighbours in the input space (1 = nearest). The map's k
// neighbours are found here (2-D, n² distances on the host: cheap next to the input's); the input
// ranks are counted on the GPU (tsne.wgsl `ranks`).

/** For each point, its k nearest other points in the 2-D map y ([n, 2]), nearest first, ties by index. */
export function mapNeighbours(y: Float32Array, n: number, k: number): Uint32Array {
  const out = new Uint32Array(n * k);
  const bestD = new Float64Array(k);
  const bestJ = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    bestD.fill(Infinity);
    bestJ.fill(-1);
    const yx = y[2 * i];
    const yy = y[2 * i + 1];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dx = y[2 * j] - yx;
      const dy = y[2 * j + 1] - yy;
      const dd = dx * dx + dy * dy;
      if (dd >= bestD[k - 1]) continue; // j ascends, so an equal distance keeps the lower index
      let s = k - 1;
      while (s > 0 && bestD[s - 1] > dd) {
        bestD[s] = bestD[s - 1];
        bestJ[s] = bestJ[s - 1];
        s--;
      }
      bestD[s] = dd;
      bestJ[s] = j;
    }
    for (let s = 0; s < k; s++) out[i * k + s] = bestJ[s];
  }
  return out;
}

/** T(k) from the input-space ranks ([n, k]) of each point's k map neighbours. */
export function trustworthinessFromRanks(ranks: ArrayLike<number>, n: number, k: number): number {
  let t = 0;
  for (let e = 0; e < n * k; e++) t += Math.max(0, ranks[e] - k);
  return 1 - (t * 2) / (n * k * (2 * n - 3 * k - 1));
}
