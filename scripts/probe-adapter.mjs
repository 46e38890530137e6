// Exits 0 when Dawn finds a WebGPU adapter, 1 otherwise. Used by the install script and `npm test`.
// With --json it also prints the adapter: {"name": …, "subgroup": the fixed subgroup size or null}
// (scripts/test-drivers.mjs checks that a driver configuration gives the adapter it names).
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (adapter && process.argv.includes('--json')) {
  const i = adapter.info;
  console.log(JSON.stringify({ name: [i.device, i.description].filter(Boolean).join(' / '), subgroup: i.subgroupMinSize && i.subgroupMinSize === i.subgroupMaxSize ? i.subgroupMinSize : null }));
}
process.exit(adapter ? 0 : 1);
