#!/usr/bin/env bash
# Runs depthplugins-bench on the lent GPU machine (see bench/README.md). Expects, carried with the repository:
#   .device/bench/  the NativeAOT-published benchmark (dotnet publish bench/DepthPlugins.Bench -c Release -r linux-x64 -o .device/bench)
#   .gl/*.deb       the Vulkan loader packages (libvulkan1), unpacked here into / as the machine's recipe says
# Writes the output to $OUT/bench-h100.txt as well as stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
B=.device/bench/depthplugins-bench
chmod +x "$B"
# The loader may not find the NVIDIA ICD at its usual place on this machine: point it there explicitly.
if ! "$B" --list-devices 2>/dev/null | grep -qi nvidia; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
OUT=${OUT:-/tmp/bench-out}
mkdir -p "$OUT"
{
    echo "== $(date -u) on $(hostname)"
    "$B" --list-devices
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw --format=csv || true
    nproc
    # Vulkan: medians of 50 runs after 10 warm-ups; CPU (all cores) and OpenCV (if cv2.ximgproc exists): 5 runs.
    "$B" --sizes 1920x1080,3840x2160 --runs 50 --warmup 10 --cpu-runs 5 --budget-mib 8192 --python python3
    echo "== repeat (Vulkan only, 4K): the spread between two runs of the same build"
    "$B" --sizes 3840x2160 --backends vulkan --runs 50 --warmup 10 --budget-mib 8192
} 2>&1 | tee "$OUT/bench-h100.txt"
