// The check a product kernel passes on an adapter before the kernel choice may pick it: its product
// at a class's shape (and at that shape less one in every dimension, for the kernels' edge and
// scalar paths) against a float64 product on the host. A kernel that assumes what a driver does
// not give (a subgroup size, the way a workgroup is cut into subgroups, the order lanes run in)
// computes wrong products there; refused, it costs speed, never correctness.
import type { Runtime } from '../../gpu/runtime.js';
import { productClass, type MatmulKernel, type ProductShape } from './matmul-classes.js';

/** Records C[M, N] = op(A) · op(B) with one kernel (split along K or not) on raw buffers. */
export type ProductFn = (kernel: MatmulKernel, a: GPUBuffer, b: GPUBuffer, c: GPUBuffer, s: ProductShape, split: boolean) => void;

/** A product's float64 reference and, per element, Σ_k |op(A)_ik · op(B)_kj| (its error bound's scale). */
export interface ProductReference {
  shape: ProductShape;
  c: Float64Array;
  scale: Float64Array;
}

/** The fused parts of a product a reference may include: bias + ReLU, and ReLU masks on the reads. */
export interface ReferenceEpilogue {
  bias?: ArrayLike<number>;
  relu?: boolean;
  /** A value is read as 0 where its operand's mask (same stored layout) is not > 0. */
  maskA?: ArrayLike<number>;
  maskB?: ArrayLike<number>;
}

/**
 * op(A) · op(B) (+ bias, ReLU) in float64, A and B stored as the shape's flags say: the check's
 * reference here, and the tests' and bench/verify.ts's (one float64 product for all of them).
 */
export function productReference(a: ArrayLike<number>, b: ArrayLike<number>, shape: ProductShape, e: ReferenceEpilogue = {}): ProductReference {
  const { M, N, K, transA = false, transB = false } = shape;
  const c = new Float64Array(M * N);
  const scale = new Float64Array(M * N);
  const read = (v: ArrayLike<number>, mask: ArrayLike<number> | undefined, i: number) => (mask && !(mask[i] > 0) ? 0 : v[i]);
  const row = new Float64Array(K);
  const cols = new Float64Array(N * K); // op(B) by columns, so that the inner loop reads in order
  for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) cols[j * K + k] = read(b, e.maskB, transB ? j * K + k : k * N + j);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) row[k] = read(a, e.maskA, transA ? k * M + i : i * K + k);
    for (let j = 0; j < N; j++) {
      let s = 0;
      let t = 0;
      for (let k = 0, o = j * K; k < K; k++) {
        const p = row[k] * cols[o + k];
        s += p;
        t += Math.abs(p);
      }
      if (e.bias) s += e.bias[j];
      if (e.relu) s = Math.max(0, s);
      c[i * N + j] = s;
      scale[i * N + j] = t;
    }
  }
  return { shape, c, scale };
}

/**
 * The shapes a class is checked at: its own, and each dimension one less (odd sizes: partial
 * blocks and the scalar loads) where that stays in the class.
 */
export function checkShapes(s: ProductShape): ProductShape[] {
  const odd = { ...s, M: s.M - 1, N: s.N - 1, K: s.K - 1 };
  return productClass(odd) === productClass(s) ? [s, odd] : [s];
}

/**
 * Where the kernel's product disagrees with the reference, in words; null where every element is
 * within the error bound of a K-term dot product in f32 in any order, with or without fused
 * multiply-adds: |c − c₆₄| ≤ K·2⁻²³·Σ|a·b| (Higham's γ_K, with WGSL's rounding to either
 * neighbour: one ulp, 2⁻²³ relative). A kernel that reads the wrong rows, skips columns or mixes
 * lanes is off by the size of the products themselves.
 */
export async function disagreement(rt: Runtime, product: ProductFn, kernel: MatmulKernel, split: boolean, a: GPUBuffer, b: GPUBuffer, out: GPUBuffer, ref: ProductReference): Promise<string | null> {
  const { M, N, K } = ref.shape;
  product(kernel, a, b, out, ref.shape, split);
  const c = await rt.readF32(out, M * N);
  const bound = K * 2 ** -23;
  for (let e = 0; e < M * N; e++) {
    const err = Math.abs(c[e] - ref.c[e]);
    if (!(err <= bound * ref.scale[e] + 1e-30)) {
      const how = [ref.shape.transA && 'A transposed', ref.shape.transB && 'B transposed', split && 'split along K'].filter(Boolean).join(', ');
      return `${M}×${N}×${K}${how ? ` (${how})` : ''}: element (${Math.floor(e / N)}, ${e % N}) is ${c[e].toPrecision(4)} where float64 gives ${ref.c[e].toPrecision(4)}`;
    }
  }
  return null;
}
