#!/usr/bin/env bash
# GPU timing for lens blur (issue 5): 3840x2160 synthetic scene, largest CoC 12 and 64 px, timed through the engine
# with the chosen backend (default vulkan): the backend's composite alone (wall, and on Vulkan the device-timestamp GPU
# time of all passes) and the whole lens blur. Targets on the lent H100: composite <= 5 ms at radius 12 and <= 20 ms
# at radius 64. `cpu` shows the CPU numbers for comparison.
#
#   bench/lensblur/gpu.sh [vulkan|cpu|auto] [runs]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
backend="${1:-vulkan}"
runs="${2:-10}"
cd "$root"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
dotnet build bench/lensblur -c Release -v quiet -nologo >/dev/null
bench=bench/lensblur/bin/Release/net10.0/LensBlurBench
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for radius in 12 64; do
    $bench scene "$work/r$radius" --width 3840 --height 2160 --radius "$radius"
    $bench time-backend "$work/r$radius" --backend "$backend" --repeat "$runs"
done
