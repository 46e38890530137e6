// Exits 0 when Dawn finds a WebGPU adapter, 1 otherwise. Used by the install script and `npm test`.
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
process.exit(adapter ? 0 : 1);
