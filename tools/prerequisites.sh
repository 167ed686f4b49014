#!/usr/bin/env bash
# Installs the system packages DepthPlugins builds and tests with, on Debian/Ubuntu, when any is missing.
# Idempotent and quick when everything is present. The .NET 10 SDK itself must already be installed.
set -euo pipefail

packages=(clang gcc python3 pkg-config glslc spirv-tools libvulkan1 mesa-vulkan-drivers)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ! command -v dotnet >/dev/null 2>&1; then
    echo "dp: the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2
    exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "dp: missing system packages: ${missing[*]} (install them with your package manager)" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "dp: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Post-Invoke is cleared because some images delete downloaded .debs between dpkg runs ("cannot access archive").
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends -o 'DPkg::Post-Invoke::=' "${missing[@]}" >/dev/null
