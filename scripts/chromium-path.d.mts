// Types for chromium-path.mjs (a plain script, so that install-chromium.sh runs it without a build).
/** $CHROMIUM_PATH if set and executable, else the first Chromium on PATH; null when there is none. */
export function chromiumPath(env?: NodeJS.ProcessEnv): string | null;
