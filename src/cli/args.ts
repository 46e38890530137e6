// A small flag parser: --name value / --name=value, typed, with one-line errors.
import { InputError } from '../io/errors.js';

/** A bad flag or command: exit code 2. */
export class UsageError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * `--adapter`'s help, one text for every command: a number is an index into `info --adapters`'
 * list (Dawn's order), anything else a substring of a name (src/gpu/adapters.ts).
 */
export const ADAPTER_HELP = 'the adapter: its number in webgpu-dec info --adapters (0 … n−1), or a substring of its name (case matters); else env WEBGPU_DEC_ADAPTER, read the same way';

/** 'flag': a switch that takes no value (`--json`), true when given; 'size': bytes, written `40G`, `800M`, `1.5GiB` or a number. */
/**
 * `setting`: a run setting, the library option whose field is the flag in camelCase
 * (--update-interval → updateInterval): the flag's one definition is its entry here, read by the
 * help, by overridesOf and by the messages that name options.
 */
export type FlagSpec = Record<string, { kind: 'string' | 'int' | 'number' | 'size' | 'flag'; help: string; choices?: readonly string[]; setting?: true }>;

/** The library field a flag sets: --update-interval → updateInterval. */
export const fieldOfFlag = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The flag of a library field: updateInterval → update-interval. */
export const flagOfField = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export type Flags = Record<string, string | number | boolean | undefined>;

export function parseFlags(args: string[], spec: FlagSpec): Flags {
  const out: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"; flags look like --name value`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown flag --${name}; known: ${Object.keys(spec).map((k) => `--${k}`).join(' ')}`);
    if (s.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value; got "${arg}"`);
      out[name] = true;
      continue;
    }
    const raw = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (raw === undefined) throw new UsageError(`--${name} needs a value (${s.help})`);
    if (s.kind === 'string') {
      if (s.choices && !s.choices.includes(raw)) throw new UsageError(`--${name} must be one of ${s.choices.join(', ')}; got "${raw}"`);
      out[name] = raw;
    } else if (s.kind === 'size') {
      out[name] = parseSize(name, raw);
    } else {
      const v = Number(raw);
      if (!Number.isFinite(v) || (s.kind === 'int' && !Number.isInteger(v))) {
        throw new UsageError(`--${name} must be ${s.kind === 'int' ? 'an integer' : 'a number'}; got "${raw}"`);
      }
      out[name] = v;
    }
  }
  return out;
}

/** A size in bytes: a number with an optional unit k, M, G or T (powers of 1024; B and iB may follow). */
function parseSize(name: string, raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(raw);
  const bytes = m ? Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!(bytes >= 1)) throw new UsageError(`--${name} must be a size such as 40G, 800M or 1.5GiB; got "${raw}"`);
  return Math.floor(bytes);
}

export function flagHelp(spec: FlagSpec): string {
  return Object.entries(spec)
    .map(([k, s]) => `  --${k.padEnd(18)} ${s.help}`)
    .join('\n');
}
