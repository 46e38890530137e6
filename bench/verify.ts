// `node dist/bench/verify.js`: checks the matmul kernels (every transpose/epilogue/mask variant, odd
// shapes) against the float64 reference, and training determinism, on whatever adapter is found.
// For machines without the dev dependencies (vitest), e.g. a GPU server; prints one line per check.
import { Runtime } from '../src/gpu/runtime.js';
import { matmulInto, type MatmulImpl } from '../src/tensor/ops/matmul.js';
import { availableMatmulKernels, describeChoice } from '../src/tensor/ops/matmul-classes.js';
import { chooseProducts } from '../src/tensor/ops/matmul-choice.js';
import { makeRng, uniform } from '../src/random/rng.js';
import { productReference } from '../src/tensor/ops/matmul-check.js';

async function main(): Promise<number> {
  const rt = await Runtime.create();
  await chooseProducts(rt);
  console.log(`adapter: ${rt.adapterName}; products: ${describeChoice(rt.products)}; robustness checks ${rt.gpu.robustness ? 'on' : 'off'}`);
  const impls: MatmulImpl[] = ['auto', ...availableMatmulKernels(rt.gpu), 'naive'];
  let failures = 0;
  const shapes: [number, number, number][] = [[1, 1, 1], [7, 13, 5], [255, 257, 31], [256, 500, 784], [256, 10, 2000]];
  for (const [M, N, K] of shapes)
    for (const transA of [false, true])
      for (const transB of [false, true])
        for (const epi of ['none', 'bias+relu', 'maskA', 'maskB'] as const)
          for (const impl of impls) {
            const a = uniform(M * K, 1, makeRng(`a${M}`));
            const b = uniform(K * N, 1, makeRng(`b${N}`));
            const bias = uniform(N, 1, makeRng('bias'));
            const mask = uniform(epi === 'maskA' ? M * K : K * N, 1, makeRng('mask'));
            const [ba, bb, bbias, bmask, bc] = [a, b, bias, mask, new Float32Array(M * N)].map((arr) => {
              const buf = rt.acquire(arr.byteLength);
              rt.write(buf, arr);
              return buf;
            });
            const flags = {
              transA,
              transB,
              relu: epi === 'bias+relu',
              bias: epi === 'bias+relu' ? bbias : undefined,
              maskA: epi === 'maskA' ? bmask : undefined,
              maskB: epi === 'maskB' ? bmask : undefined,
            };
            matmulInto(rt, ba, bb, bc, M, N, K, flags, impl);
            const c = await rt.readF32(bc, M * N);
            const ref = productReference(a, b, { M, N, K, transA, transB }, { relu: flags.relu, bias: flags.bias && bias, maskA: flags.maskA && mask, maskB: flags.maskB && mask }).c;
            let worst = 0;
            for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(c[i] - ref[i]) / (1e-5 * Math.max(1, K / 16) + 1e-4 * Math.abs(ref[i])));
            const ok = worst <= 1;
            if (!ok) failures++;
            if (!ok || (transA === transB && epi === 'none')) console.log(`${ok ? 'ok  ' : 'FAIL'} matmul ${impl} ${M}x${N}x${K} transA=${transA} transB=${transB} ${epi}: worst error ${worst.toFixed(3)} of tolerance`);
            [ba, bb, bbias, bmask, bc].forEach((x) => rt.release(x));
          }
  rt.destroy();
  console.log(failures ? `${failures} check(s) FAILED` : 'all checks passed');
  return failures ? 1 : 0;
}

main().then((c) => process.exit(c), (e) => {
  console.error(`verify: ${(e as Error).message}`);
  process.exit(1);
});
