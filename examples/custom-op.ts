// A new op with its own WGSL kernel: SiLU, y = x · σ(x). Its forward and backward are recorded on
// the tape like the engine's own ops, and a finite-difference check compares the tape's gradient
// with central differences of the loss L = Σ (silu(x) · w).
//   node custom-op.js          exit 0 when the gradients match, 1 when they do not
//   node custom-op.js --wrong  a deliberately broken backward (the forward kernel): the check fails
import { Runtime, Uniform, accumulate, empty, fromArray, grid1d, makeRng, matmul, needsGrad, noGrad, record, sum, tidy } from 'webgpu-dec/engine';
import type { Kernel, Tensor } from 'webgpu-dec/engine';

const WGSL = /* wgsl */ `
// x, g, out: [n] (a tensor's elements, any shape)
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn sigmoid(v: f32) -> f32 { return 1.0 / (1.0 + exp(-v)); }

// out = x · σ(x)
@compute @workgroup_size(64)
fn silu(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.y * nwg.x * 64u + gid.x;
  if (i >= P.n) { return; }
  out[i] = x[i] * sigmoid(x[i]);
}

// out = g · dy/dx = g · σ(x) · (1 + x · (1 − σ(x)))
@compute @workgroup_size(64)
fn silu_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.y * nwg.x * 64u + gid.x;
  if (i >= P.n) { return; }
  let s = sigmoid(x[i]);
  out[i] = g[i] * s * (1.0 + x[i] * (1.0 - s));
}`;

const kernel = (entry: string): Kernel => ({ file: 'silu', entry, bindings: ['uniform', 'read', 'read', 'rw'], code: WGSL });
const SILU = kernel('silu');
const SILU_GRAD = process.argv.includes('--wrong') ? SILU : kernel('silu_grad');

/** y = x · σ(x)      x: [rows, cols] -> y: [rows, cols];  dx = g · σ(x) · (1 + x · (1 − σ(x))) */
function silu(x: Tensor): Tensor {
  const rt = x.rt;
  const params = new Uniform(1).u32(x.size);
  const y = empty(rt, x.rows, x.cols);
  rt.dispatch(SILU, [params, x.buffer, rt.scratch, y.buffer], grid1d(x.size));
  if (!needsGrad(x)) return y;
  return record(y, (g) => {
    const dx = empty(rt, x.rows, x.cols);
    rt.dispatch(SILU_GRAD, [params, x.buffer, g.buffer, dx.buffer], grid1d(x.size));
    accumulate(x, dx);
  });
}

const rt = await Runtime.create();
const [n, d, m, h] = [5, 3, 2, 1e-2];
const rng = makeRng('custom-op');
const xData = Float32Array.from({ length: n * d }, () => 4 * rng() - 2);
const w = fromArray(rt, Float32Array.from({ length: d * m }, () => 2 * rng() - 1), d, m);
const loss = (x: Tensor) => sum(matmul(silu(x), w)); // L = Σ silu(x) · w: [1, 1]

// The tape's gradient dL/dx.
const x = fromArray(rt, xData, n, d, true);
tidy(() => loss(x).backward());
const tape = await x.grad!.toArray();

// Central differences (L(x + h·e_i) − L(x − h·e_i)) / 2h, each loss evaluated on the GPU.
const lossAt = async (data: Float32Array): Promise<number> => {
  const l = tidy(() => noGrad(() => loss(fromArray(rt, data, n, d))));
  const [v] = await l.toArray();
  l.dispose();
  return v;
};
let worst = { i: -1, excess: 0, tape: 0, fd: 0 };
for (let i = 0; i < xData.length; i++) {
  const [plus, minus] = [xData.slice(), xData.slice()];
  plus[i] += h;
  minus[i] -= h;
  const fd = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
  const excess = Math.abs(tape[i] - fd) - (2e-3 + 2e-2 * Math.abs(fd)); // atol 2e-3, rtol 2e-2
  if (!(excess <= worst.excess)) worst = { i, excess, tape: tape[i], fd };
}
rt.destroy();
if (worst.i >= 0) {
  console.log(`silu: gradient does NOT match finite differences: dL/dx[${worst.i}] is ${worst.tape.toFixed(5)} on the tape, ${worst.fd.toFixed(5)} by differences`);
  process.exit(1);
}
console.log(`silu: gradient matches finite differences at all ${xData.length} elements of x (h = ${h})`);
