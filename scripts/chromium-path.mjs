// Finds a Chromium binary for the report's browser test: $CHROMIUM_PATH if set, else the first of
// chromium / chromium-browser / google-chrome on PATH. Run as a script it prints the path (exit 0)
// or says what is missing (exit 1); imported, `chromiumPath()` returns the path or null.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** @returns {string | null} */
export function chromiumPath(env = process.env) {
  if (env.CHROMIUM_PATH) return executable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of NAMES) if (executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = chromiumPath();
  if (path) console.log(path);
  else {
    console.error('chromium-path: no chromium on PATH (nor CHROMIUM_PATH); run bash scripts/install-chromium.sh');
    process.exit(1);
  }
}
