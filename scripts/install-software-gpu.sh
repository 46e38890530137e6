#!/usr/bin/env bash
# Installs a software Vulkan driver (Mesa's lavapipe >= 25) so that WebGPU (Dawn) finds an adapter
# on a machine without a GPU. Idempotent: exits at once where an adapter is already found.
# Why backports: Debian 12's own Mesa 22.3 lavapipe is refused by Dawn
# ("Vulkan shaderUniform*ArrayDynamicIndexing required"); Mesa 25 from bookworm-backports works.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

# 1. An adapter already? (needs the `webgpu` package; before `npm ci` we fall back to dpkg.)
if [ -d "$root/node_modules/webgpu" ] && node "$here/probe-adapter.mjs" >/dev/null 2>&1; then
  echo "install-software-gpu: a WebGPU adapter is already available; nothing to do."
  exit 0
fi
mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }
have_new_lavapipe() {
  local v; v=$(mesa_version)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 25 && dpkg-query -W libvulkan1 >/dev/null 2>&1
}
if have_new_lavapipe; then
  echo "install-software-gpu: Mesa lavapipe $(mesa_version) is already installed; nothing to do."
  exit 0
fi

echo "install-software-gpu: no WebGPU adapter found; installing a software Vulkan driver (Mesa lavapipe)."
# 2. Only Debian 12 (bookworm) as root is handled automatically.
codename=$( . /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}" )
id=$( . /etc/os-release 2>/dev/null; echo "${ID:-}" )
if [ "$id" != debian ] || [ "$codename" != bookworm ]; then
  echo "install-software-gpu: no WebGPU adapter; this script handles Debian 12 only. Install a Vulkan loader (libvulkan1) and Mesa's lavapipe >= 25 (mesa-vulkan-drivers), or a GPU driver with Vulkan." >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-software-gpu: no WebGPU adapter; run as root: sudo bash scripts/install-software-gpu.sh (installs libvulkan1 and mesa-vulkan-drivers from bookworm-backports)." >&2
  exit 2
fi

# 3. Add bookworm-backports (once) and install lavapipe + the loader from it.
list=/etc/apt/sources.list.d/webgpu-dec-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" > "$list"
  echo "install-software-gpu: added bookworm-backports ($list)"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
echo "install-software-gpu: installed Mesa lavapipe $(mesa_version) and the Vulkan loader."
