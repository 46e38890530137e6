#!/usr/bin/env bash
# Installs a headless-capable Chromium for the report's browser test (test/report.test.ts drives it
# with playwright-core). Idempotent: exits at once where a chromium is already on PATH.
# Why Debian's package: playwright's own browser download needs the network at test time and pins
# a build per playwright version; the distribution's chromium is updated with the system.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# 1. Already there? (the same lookup the test uses)
if [ -n "${CHROMIUM_PATH:-}" ] && [ ! -x "$CHROMIUM_PATH" ]; then
  echo "install-chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file; unset it or point it at a Chromium binary." >&2
  exit 2
fi
if path=$(node "$here/chromium-path.mjs" 2>/dev/null); then
  echo "install-chromium: $("$path" --version 2>/dev/null || echo "$path") is already installed; nothing to do."
  exit 0
fi

# 2. Only Debian (or a derivative with apt) as root is handled automatically.
id=$( . /etc/os-release 2>/dev/null; echo "${ID:-} ${ID_LIKE:-}" )
case " $id " in
  *" debian "*) ;;
  *)
    echo "install-chromium: no chromium on PATH; this script handles Debian only. Install Chromium with your package manager (or set CHROMIUM_PATH to its binary) to run the report's browser test." >&2
    exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-chromium: no chromium on PATH; run as root: sudo apt-get install -y --no-install-recommends chromium (or set CHROMIUM_PATH to a Chromium binary)." >&2
  exit 2
fi

echo "install-chromium: no chromium found; installing Debian's chromium package."
export DEBIAN_FRONTEND=noninteractive
# An install from a stale package list can 404; refresh only when the first try fails.
if ! apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
path=$(node "$here/chromium-path.mjs")
echo "install-chromium: installed $("$path" --version 2>/dev/null)."
