// The adapters Dawn can open, numbered, and `--adapter` / env WEBGPU_DEC_ADAPTER read as a number
// (an index into that list) or as a substring of an adapter's name.
//
// How the list is made. Dawn's node bindings (npm `webgpu`, dawn/node/binding/GPU.cpp) have no call
// that lists adapters and no flag that picks one by index: `requestAdapter()` enumerates the
// adapters of its backend (Vulkan on Linux) in Dawn's order for the power preference asked, and
// returns the first whose native device name contains the instance's `adapter=` flag (a
// case-sensitive substring; no flag: the first of all). Where none contains it, the promise is
// rejected with the whole enumeration, one line per adapter (" * backend: 'vulkan', name: '…'"),
// in that same order. So the list is read from that rejection, asked with a name no adapter has,
// with the same power preference and the same Dawn toggles that GpuDevice.open uses: number i is
// the i-th adapter of the very enumeration that `adapter=` searches, and number 0 is the adapter
// opened when none is named. Each listed adapter is then opened by its full name for its details.
//
// Adapters that share a name (eight identical cards). `adapter=NAME` reaches only the first adapter
// whose name contains NAME, so a later adapter with the same name (or whose name is contained in an
// earlier one's) cannot be opened through these bindings at all. The list shows such an adapter,
// says which number it opens instead, and `--adapter N` for it is refused with one line saying so
// (exit 2) rather than silently opening another card: give each process one visible card instead
// (a container's device list, e.g. `docker run --gpus device=3`, or Kubernetes' GPU resource).
import { create } from 'webgpu';
import { InputError, OptionError } from '../io/errors.js';
import { NoAdapterError } from './errors.js';

/**
 * Dawn's instances, one per set of flags, kept for the life of the process. Why: dawn.node's async
 * runner, which every adapter, device and buffer shares, holds a raw pointer to the instance that
 * the object returned by create() owns (dawn/node/binding/AsyncRunner.cpp). Once that object was
 * garbage-collected while anything made from it was still referenced (a destroyed runtime a caller
 * keeps, a tensor kept past the end), a later GC or event poll touched freed memory and the process
 * died with SIGSEGV or an abort, at a moment that depended on the GC (test/runtime.test.ts shows it).
 * A kept instance does not keep the process alive: a process exits by itself once its devices are
 * destroyed. The flags take only a few values (adapter name, robustness), so few are ever made.
 */
const instances = new Map<string, GPU>();
export function instanceFor(flags: string[]): GPU {
  const key = flags.join('\n');
  let gpu = instances.get(key);
  if (!gpu) instances.set(key, (gpu = create(flags)));
  return gpu;
}

/** The power preference every adapter request makes: Dawn orders its enumeration by it. */
export const POWER_PREFERENCE: GPUPowerPreference = 'high-performance';

/** A name no adapter has: asking for it makes Dawn list every adapter (see the top of this file). */
const NO_SUCH_ADAPTER = 'webgpu-dec-lists-the-adapters';

/** One adapter of Dawn's enumeration. */
export interface AdapterEntry {
  /** Its number: the index into Dawn's enumeration (what `--adapter N` takes). */
  index: number;
  /** Dawn's backend ('vulkan', 'metal', 'd3d12', …). */
  backend: string;
  /** The native device name that `adapter=` (and `--adapter NAME`) matches a substring of. */
  name: string;
  /**
   * The number that `adapter=<name>` actually opens: `index` itself, or an earlier adapter whose
   * name contains this one's (the same name: identical cards), in which case this one cannot be
   * opened through Dawn's node bindings.
   */
  opens: number;
}

/** An adapter's details, as it reports them once opened. */
export interface AdapterDetails extends AdapterEntry {
  vendor: string;
  architecture: string;
  description: string;
  /** The subgroup sizes it runs (min, max); null where it does not offer `subgroups`. */
  subgroupSizes: [number, number] | null;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/**
 * The adapters of Dawn's rejection message for a name no adapter contains, numbered; null where the
 * message holds no such list (another error).
 */
export function adaptersOfDawnMessage(message: string): AdapterEntry[] | null {
  const found = [...message.matchAll(/^ \* backend: '([^']*)', name: '(.*)'$/gm)];
  if (!found.length) return null;
  const names = found.map((m) => m[2]);
  // The same rule as Dawn's: the first adapter, in this order, whose name contains the one asked for.
  return found.map(([, backend, name], index) => ({ index, backend, name, opens: names.findIndex((other) => other.includes(name)) }));
}

/** Dawn's enumeration, read from its rejection of a name no adapter has; [] where there is none. */
export async function enumerateAdapters(toggles: string[] = []): Promise<AdapterEntry[]> {
  let message: string;
  try {
    const a = await instanceFor([`adapter=${NO_SUCH_ADAPTER}`, ...toggles]).requestAdapter({ powerPreference: POWER_PREFERENCE });
    if (!a) return []; // Dawn resolves null where its backend has no adapter at all
    throw new Error(`an adapter named "${a.info.device}" matched "${NO_SUCH_ADAPTER}"`);
  } catch (e) {
    message = (e as Error).message ?? String(e);
  }
  const list = adaptersOfDawnMessage(message);
  // Dawn's wording is the only list it gives: a version that words it otherwise is named here.
  if (!list) throw new Error(`cannot list the adapters: Dawn's answer to an unknown adapter name was not its list of adapters (${message.split('\n').join(' ')})`);
  return list;
}

/** Each adapter of the enumeration opened by its name for its details (an unreachable one: its stand-in's). */
export async function describeAdapters(toggles: string[] = []): Promise<AdapterDetails[]> {
  const list = await enumerateAdapters(toggles);
  const out: AdapterDetails[] = [];
  for (const e of list) {
    const a = await instanceFor([`adapter=${e.name}`, ...toggles]).requestAdapter({ powerPreference: POWER_PREFERENCE });
    if (!a) throw new NoAdapterError(` named "${e.name}" (listed by Dawn, then not opened)`);
    const i = a.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
    out.push({
      ...e,
      vendor: i.vendor,
      architecture: i.architecture,
      description: i.description,
      subgroupSizes: a.features.has('subgroups') && i.subgroupMinSize && i.subgroupMaxSize ? [i.subgroupMinSize, i.subgroupMaxSize] : null,
      maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
      maxBufferSize: a.limits.maxBufferSize,
    });
  }
  return out;
}

/** The adapters as one line each: `0 llvmpipe (…)`, for messages. */
export function adapterNames(list: readonly AdapterEntry[]): string {
  return list.length ? list.map((e) => `${e.index} ${e.name}`).join(', ') : 'none';
}

/** Where an adapter was asked for: the option (the library's field `adapter`, the flag `--adapter`), or the env var. */
export type AdapterSource = 'option' | 'env';

/** An InputError about what `source` asked for, naming the option as the door names it. */
function badAdapter(source: AdapterSource, wanted: string, what: string): InputError {
  if (source === 'env') return new InputError(`WEBGPU_DEC_ADAPTER=${wanted}: ${what}`);
  return new OptionError((name) => `${name('adapter')} ${wanted}: ${what}`);
}

const listed = (list: readonly AdapterEntry[]) => `; the adapters are ${adapterNames(list)} (webgpu-dec info --adapters)`;

/**
 * The value for Dawn's `adapter=` flag that opens what `wanted` asks for. Digits are a number into
 * enumerateAdapters' list: the flag is that adapter's full name, which Dawn's substring rule opens
 * (checked: `opens`). Anything else is a substring of a name, passed to Dawn as it is (its rejection
 * becomes unmatchedAdapter's line). An InputError (exit 2) names what exists where the number is out
 * of range or belongs to an adapter these bindings cannot reach; a NoAdapterError (exit 1) where
 * there is no adapter at all.
 */
export async function adapterFlag(wanted: string, source: AdapterSource, toggles: string[] = []): Promise<string> {
  if (!/^\d+$/.test(wanted)) return wanted;
  const list = await enumerateAdapters(toggles);
  if (!list.length) throw new NoAdapterError(` (adapter ${wanted} was asked for)`);
  const n = Number(wanted);
  const e = list[n];
  if (!e) throw badAdapter(source, wanted, `no adapter ${n}: there ${list.length === 1 ? 'is 1' : `are ${list.length}`}${listed(list)}`);
  if (e.opens !== n) {
    throw badAdapter(
      source,
      wanted,
      `adapter ${n} ("${e.name}") cannot be opened: Dawn's node bindings open an adapter by its name, and that name opens adapter ${e.opens}; ` +
        `make one card visible per process (a container's device list, e.g. docker run --gpus device=I with I the card's nvidia-smi index) and use adapter 0`,
    );
  }
  return e.name;
}

/** Dawn rejected a name: an InputError naming what exists where its message lists the adapters, else null. */
export function unmatchedAdapter(wanted: string, source: AdapterSource, message: string): InputError | null {
  const list = adaptersOfDawnMessage(message);
  if (!list) return null;
  return badAdapter(source, wanted, `no adapter's name contains "${wanted}" (case matters)${listed(list)}`);
}
