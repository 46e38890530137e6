// `webgpu-dec info`: the adapter, its limits and features.
import { Runtime } from '../gpu/runtime.js';
import { flagHelp, parseFlags, type FlagSpec } from './args.js';

export const infoFlags: FlagSpec = {
  adapter: { kind: 'string', help: 'use the adapter whose name contains this (or env WEBGPU_DEC_ADAPTER)' },
};

export const infoUsage = `usage: webgpu-dec info [--adapter SUBSTRING]

The WebGPU adapter this machine offers: vendor, architecture, device, description, its limits and
features, whether Dawn's bounds checks are on (env WEBGPU_DEC_ROBUSTNESS=1 turns them on) and the
subgroup size the kernels get (on stdout).

${flagHelp(infoFlags)}`;

export function infoCommand(args: string[]): Promise<number> {
  const f = parseFlags(args, infoFlags);
  return info({ adapter: f.adapter as string | undefined });
}

export async function info(opts: { adapter?: string }): Promise<number> {
  const rt = await Runtime.create({ adapter: opts.adapter });
  try {
    const { adapter, info: i } = rt.gpu;
    const out: string[] = [];
    out.push(`vendor:        ${i.vendor}`);
    out.push(`architecture:  ${i.architecture}`);
    out.push(`device:        ${i.device}`);
    out.push(`description:   ${i.description}`);
    out.push('limits:');
    const limits = adapter.limits as unknown as Record<string, number>;
    const names: string[] = [];
    for (const k in limits) if (typeof limits[k] === 'number') names.push(k);
    for (const k of names.sort()) out.push(`  ${k.padEnd(44)} ${limits[k]}`);
    out.push(`features:      ${[...adapter.features].sort().join(', ')}`);
    const robustness = rt.gpu.robustness
      ? 'on (Dawn bounds-checks every storage access)'
      : "off (each kernel guards its own indices; WEBGPU_DEC_ROBUSTNESS=1 turns Dawn's checks on)";
    out.push(`robustness:    ${robustness}`);
    out.push(`subgroup size: ${rt.gpu.subgroupSize ?? 'none'}`);
    console.log(out.join('\n'));
  } finally {
    rt.destroy();
  }
  return 0;
}
