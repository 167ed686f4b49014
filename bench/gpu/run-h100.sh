#!/usr/bin/env bash
# Runs depthplugins-bench on the lent GPU machine (see bench/README.md), in ONE invocation of about 1.5 minutes: both
# refinement cases at 1920x1080 and 3840x2160, two rounds (their difference is the noise),
# then whole calls, a cold probe after idle, then the CPU path (OpenCV too if its cv2 has ximgproc). Expects, carried
# with the repository:
#   .device/bench/  the NativeAOT-published benchmark (dotnet publish bench/DepthPlugins.Bench -c Release -r linux-x64 -o .device/bench)
#   .gl/*.deb       the Vulkan loader packages (libvulkan1), unpacked here into / as the machine's recipe says
# Writes the whole output to $OUT/bench-h100.txt as well as stdout; the compact tables come last.
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
smi() {
    nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,clocks.mem,pstate,power.draw,temperature.gpu --format=csv 2>/dev/null || true
    nvidia-smi --query-gpu=clocks_event_reasons.active --format=csv 2>/dev/null || true
}
{
    echo "== $(date -u) on $(hostname), $(nproc) CPUs"
    "$B" --list-devices
    nvidia-smi --query-gpu=name,driver_version,persistence_mode,power.limit --format=csv 2>/dev/null || true
    echo "-- GPU state before (idle):"; smi
    nvidia-smi -q -d PERFORMANCE 2>/dev/null | sed -n '/Clocks Event Reasons/,/^$/p' || true
    # Kernels: 100 timed runs per case after 1 s of back-to-back GPU work, 2 rounds; calls: 30 whole RefineRaw calls;
    # cold probe after 3 s idle; CPU: 5 runs (16 cores here).
    "$B" --sizes 1920x1080,3840x2160 --runs 100 --warmup-s 1 --rounds 2 --e2e-runs 30 --cold-s 3 --cpu-runs 5 --warmup 3 \
        --budget-mib 8192 --python python3
    echo "-- GPU state after:"; smi
} 2>&1 | tee "$OUT/bench-h100.txt"
