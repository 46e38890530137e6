// config.json: a run's resolved configuration, written when the run starts, read back by --resume,
// by `webgpu-dec report` (to reload the data) and by the report (shown verbatim). Its type,
// RunConfig, is the run's own (src/run/config.ts); here is the file: its name, its format tag, and
// the one writer and reader.
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { readJson, writeJson } from './json.js';

/** The configuration's file name in a run folder. */
export const CONFIG_FILE = 'config.json';
/** Its format tag, checked when it is read back. */
export const CONFIG_FORMAT = 'webgpu-dec-config/1';

/** Writes DIR/config.json. */
export function writeConfig(dir: string, cfg: { format: typeof CONFIG_FORMAT }): string {
  return writeJson(dir, CONFIG_FILE, cfg);
}

/** DIR/config.json as written (its format checked); an InputError names the file otherwise. */
export function readConfig<T extends { format: typeof CONFIG_FORMAT }>(dir: string): T {
  const file = join(dir, CONFIG_FILE);
  let cfg: T;
  try {
    cfg = readJson(dir, CONFIG_FILE) as T;
    if (!cfg || cfg.format !== CONFIG_FORMAT) throw new Error(`format ${cfg?.format}`);
  } catch (e) {
    throw new InputError(`${file}: not a webgpu-dec run configuration (${(e as Error).message})`);
  }
  return cfg;
}
