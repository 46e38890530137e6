import { Runtime } from '../src/gpu/runtime.js';
import { matmulInto, setMatmulWorkgroup } from '../src/tensor/ops/matmul.js';
const rt = await Runtime.create();
const shapes: [number, number, number, any][] = [[256,784,500,{}],[256,500,2000,{}],[256,784,500,{transB:true}],[784,500,256,{transA:true}],[1024,1024,1024,{}]];
for (const wg of [[8,8],[16,4],[8,2],[64,1],[8,16],[32,2]]) {
  setMatmulWorkgroup(wg[0], wg[1]);
  const line: string[] = [];
  for (const [M,N,K,f] of shapes) {
    const a = rt.acquire(M*K*4), b = rt.acquire(K*N*4), c = rt.acquire(M*N*4);
    for (const impl of ['blocked','scalar'] as const) {
      matmulInto(rt,a,b,c,M,N,K,f,impl); await rt.sync();
      const reps = 3; const ts: number[] = [];
      for (let r=0;r<reps;r++){ const t0=performance.now(); matmulInto(rt,a,b,c,M,N,K,f,impl); await rt.sync(); ts.push(performance.now()-t0);}
      ts.sort((x,y)=>x-y); const med = ts[1];
      line.push(`${impl[0]}:${(2*M*N*K/med/1e6).toFixed(1)}`);
    }
  }
  console.log(`wg ${wg}: ${line.join(' ')}`);
}
rt.destroy();
