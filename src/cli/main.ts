// The command line: `webgpu-dec <command> [flags]`. Errors are one line and a non-zero exit.
import { info } from './info.js';

const USAGE = `usage: webgpu-dec <command> [flags]

commands:
  info                 the WebGPU adapter: vendor, architecture, device, limits, features
  help                 this text

common flags:
  --adapter SUBSTRING  pick the adapter whose name contains SUBSTRING (or env WEBGPU_DEC_ADAPTER)`;

/** Thrown for bad command-line input; printed as one line. */
export class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'info':
      return info(parseCommon(rest));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"; run "webgpu-dec help" for the list`);
  }
}

function parseCommon(args: string[]): { adapter?: string } {
  const out: { adapter?: string } = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--adapter') out.adapter = args[++i];
    else throw new UsageError(`unknown flag "${args[i]}"`);
  }
  return out;
}
