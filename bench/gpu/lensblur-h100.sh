#!/usr/bin/env bash
# Lens blur on the lent GPU (issue 5 targets on the H100 at 3840x2160: <= 5 ms at largest CoC 12, <= 20 ms at 64), in one
# invocation of about a minute: for each radius the synthetic scene, then LensBlurBench time-backend on Vulkan (20 runs)
# and on the CPU (3 runs), then Vulkan again with every layer at full resolution at CoC 64 (the exact mode, for
# comparison). Each time-backend prints: the backend's composite of a prepared scene (wall; on Vulkan the device
# timestamps of the compute passes, uploads and downloads), the whole lens blur on planes, and the whole lens blur from
# caller buffers as dp_lens_blur runs it (RGBA8 + Gray16 -> RGBA8; on Vulkan every step on the device, with the host's
# own work). Expects, carried with the repository:
#   .device/lensblur/  the NativeAOT-published bench: dotnet publish bench/lensblur -c Release -r linux-x64
#                      -p:PublishAot=true -o .device/lensblur (then rm .device/lensblur/*.dbg *.pdb libonnxruntime*)
#   .gl/*.deb          the Vulkan loader packages, unpacked into / when present (as bench/gpu/run-h100.sh does)
# Writes the output to $OUT/lensblur-h100.txt as well as stdout. LB_SIZE (default 3840x2160) and LB_RUNS (default 20)
# exist for a quick trial elsewhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
if compgen -G ".gl/*.deb" >/dev/null; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
B=.device/lensblur/LensBlurBench
chmod +x "$B"
# The loader may not find the NVIDIA ICD at its usual place on this machine: point it there explicitly.
if ! "$B" devices 2>/dev/null | grep -qi nvidia && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
OUT=${OUT:-/tmp/bench-out}
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
    echo "== $(date -u) on $(hostname), $(nproc) CPUs"
    "$B" devices
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw --format=csv 2>/dev/null || true
    size=${LB_SIZE:-3840x2160}
    runs=${LB_RUNS:-20}
    for radius in 12 64; do
        "$B" scene "$work/r$radius" --width "${size%x*}" --height "${size#*x}" --radius "$radius"
        "$B" time-backend "$work/r$radius" --backend vulkan --repeat "$runs"
        "$B" time-backend "$work/r$radius" --backend cpu --repeat 3
    done
    echo "== every layer at full resolution (exact bokeh rims), CoC 64"
    "$B" time-backend "$work/r64" --backend vulkan --repeat 5 --full-resolution 1
} 2>&1 | tee "$OUT/lensblur-h100.txt"
