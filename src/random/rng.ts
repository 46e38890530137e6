// The seeded random numbers of a run, host-side: parameter initialisers (drawn once, uploaded once),
// shuffles and samples. All of them flow from the run's seed.
import seedrandom from 'seedrandom';

/** A seeded generator of uniform numbers in [0, 1). */
export type Rng = () => number;

/** A seeded generator (seedrandom): the same seed, the same numbers. */
export function makeRng(seed: number | string): Rng {
  return seedrandom(String(seed));
}

/** N(0, std²) by Box–Muller. */
export function gaussian(n: number, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng();
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = std * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = std * r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** U(−limit, limit). */
export function uniform(n: number, limit: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng() - 1) * limit;
  return out;
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number | string): Uint32Array {
  const rng = makeRng(`perm:${seed}`);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
