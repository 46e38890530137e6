// The Hungarian algorithm (Kuhn–Munkres with potentials, O(n³)): a minimum-cost perfect matching
// on a square cost matrix. Returns assignment[row] = column.
export function hungarian(cost: number[][]): number[] {
  const n = cost.length;
  const INF = Number.POSITIVE_INFINITY;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const match = new Int32Array(n + 1); // match[col] = row (1-based), 0 = free
  const way = new Int32Array(n + 1);
  for (let row = 1; row <= n; row++) {
    match[0] = row;
    let col0 = 0;
    const minv = new Float64Array(n + 1).fill(INF);
    const used = new Uint8Array(n + 1);
    do {
      used[col0] = 1;
      const row0 = match[col0];
      let delta = INF;
      let col1 = 0;
      for (let col = 1; col <= n; col++) {
        if (used[col]) continue;
        const cur = cost[row0 - 1][col - 1] - u[row0] - v[col];
        if (cur < minv[col]) {
          minv[col] = cur;
          way[col] = col0;
        }
        if (minv[col] < delta) {
          delta = minv[col];
          col1 = col;
        }
      }
      for (let col = 0; col <= n; col++) {
        if (used[col]) {
          u[match[col]] += delta;
          v[col] -= delta;
        } else minv[col] -= delta;
      }
      col0 = col1;
    } while (match[col0] !== 0);
    do {
      const col1 = way[col0];
      match[col0] = match[col1];
      col0 = col1;
    } while (col0);
  }
  const assignment = new Array<number>(n).fill(-1);
  for (let col = 1; col <= n; col++) if (match[col]) assignment[match[col] - 1] = col - 1;
  return assignment;
}
