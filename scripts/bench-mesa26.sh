#!/usr/bin/env bash
# Runs the benchmark under a newer Mesa (lavapipe from Debian 13's trixie-backports, 26.x) on a
# Debian 12 machine, for comparing kernels across drivers. Not needed by users or CI.
#
#   sudo bash scripts/bench-mesa26.sh [bench flags…]     e.g. --suite matmul,training --json FILE
#
# It builds a minimal Debian 13 root with debootstrap (Debian packages only, from the mirror the
# host's apt sources already use) at $ROOT (default /opt/webgpu-dec-trixie), installs Mesa's Vulkan
# drivers from trixie-backports there, copies the project's built dist/ and node_modules/ in (Dawn's
# prebuilt dawn.node runs unchanged; Debian 13's nodejs is Node 20) and runs `node dist/bench/run.js`
# inside with the given flags. A --json FILE is written inside the root and copied back to FILE.
# The root is reused by later runs; delete $ROOT to rebuild it. Why a newer Mesa matters for our
# kernels: docs/performance.md, and shared notes on llvmpipe's load lowering before 25.1.
set -euo pipefail

ROOT=${ROOT:-/opt/webgpu-dec-trixie}
HERE=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "bench-mesa26: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount); run it with sudo"
DIST=${DIST:-dist} # the built project to run (a side build such as dist-bench works too)
[ -f "$HERE/$DIST/bench/run.js" ] || die "no $DIST/bench/run.js: run 'npm run build' first"
[ -d "$HERE/node_modules/webgpu" ] || die "no node_modules: run 'npm install' first"

# The mirror the host already uses (deb822 or one-line sources), else Debian's CDN.
MIRROR=${MIRROR:-$(grep -rhoE 'https?://[^ ]+/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -v security | head -n1 || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

if [ ! -x "$ROOT/usr/bin/node" ] || [ ! -e "$ROOT/.mesa-installed" ]; then
  command -v debootstrap >/dev/null || apt-get install -y debootstrap >&2
  if [ ! -x "$ROOT/usr/bin/node" ]; then
    echo "bench-mesa26: building a Debian 13 root at $ROOT from $MIRROR" >&2
    # npm is left out: it fails to configure inside debootstrap, and nothing here needs it.
    debootstrap --variant=minbase --include=nodejs,ca-certificates trixie "$ROOT" "$MIRROR" >&2
  fi
  echo "deb $MIRROR trixie-backports main" > "$ROOT/etc/apt/sources.list.d/backports.list"
  chroot "$ROOT" sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -t trixie-backports mesa-vulkan-drivers libvulkan1' >&2
  touch "$ROOT/.mesa-installed"
fi

mounted=()
cleanup() { for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || true; done; }
trap cleanup EXIT
for m in proc dev; do
  if ! mountpoint -q "$ROOT/$m"; then
    if [ "$m" = proc ]; then mount -t proc proc "$ROOT/proc"; else mount --bind /dev "$ROOT/dev"; fi
    mounted+=("$ROOT/$m")
  fi
done

# The project as built here: dist/, node_modules/ and package.json (the bench reads the version).
rm -rf "$ROOT/work" && mkdir -p "$ROOT/work"
cp -r "$HERE/$DIST" "$ROOT/work/dist"
cp -r "$HERE/node_modules" "$HERE/package.json" "$ROOT/work/"
[ -d "$HERE/shaders" ] && cp -r "$HERE/shaders" "$ROOT/work/"

# --json FILE: written inside the root, then copied back to FILE.
args=() json_out=""
while [ $# -gt 0 ]; do
  if [ "$1" = --json ] && [ $# -ge 2 ]; then json_out=$2; args+=(--json /work/bench-result.json); shift 2
  else args+=("$1"); shift; fi
done

mesa=$(chroot "$ROOT" dpkg-query -W -f '${Version}' mesa-vulkan-drivers)
echo "bench-mesa26: Mesa $mesa, node $(chroot "$ROOT" node --version)" >&2
chroot "$ROOT" env -C /work XDG_RUNTIME_DIR=/tmp node dist/bench/run.js "${args[@]}"
if [ -n "$json_out" ]; then cp "$ROOT/work/bench-result.json" "$json_out"; echo "bench-mesa26: wrote $json_out" >&2; fi
