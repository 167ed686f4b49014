#!/usr/bin/env bash
# FDKN on the lent GPU machine (H100; see bench/README.md, "FDKN"). Runs depthplugins-bench --cases fdkn:
#   1. 640x480, 1920x1080, 3840x2160: our Vulkan passes and our CPU path against PyTorch FDKN on the GPU
#      (tools/train_fdkn/train_fdkn.py --bench: the same network, cuDNN convolutions), in one run;
#   2. a Vulkan/PyTorch repeat at 4K (run-to-run spread);
#   3. our CPU path against PyTorch on the CPU (the CPU's peer).
# Expects, carried with the repository:
#   .device/bench/  dotnet publish bench/DepthPlugins.Bench -c Release -r linux-x64 -o .device/bench
#   .gl/*.deb       the Vulkan loader packages (libvulkan1), unpacked here into /
# FDKN_WEIGHTS=file.safetensors times real weights; without it the weights are random (speed does not depend on them).
# Writes $OUT/bench-fdkn-h100.txt as well as stdout.
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
W=()
if [ -n "${FDKN_WEIGHTS:-}" ]; then W=(--fdkn-weights "$FDKN_WEIGHTS"); fi
{
    echo "== $(date -u) on $(hostname)"
    "$B" --list-devices
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw --format=csv || true
    nproc
    python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" || true
    # Vulkan and PyTorch: medians of 30 runs after 5 warm-ups; our CPU (all cores): 3 runs.
    "$B" --cases fdkn --sizes 640x480,1920x1080,3840x2160 --runs 30 --warmup 5 --cpu-runs 3 --budget-mib 8192 --torch-python python3 "${W[@]}"
    echo "== repeat (Vulkan and PyTorch only, 4K): the spread between two runs"
    "$B" --cases fdkn --sizes 3840x2160 --backends vulkan,torch --runs 30 --warmup 5 --budget-mib 8192 --torch-python python3 "${W[@]}"
    echo "== CPU: ours against PyTorch on the CPU"
    "$B" --cases fdkn --sizes 640x480,1920x1080 --backends cpu,torch --torch-device cpu --cpu-runs 3 --warmup 1 --torch-python python3 "${W[@]}"
} 2>&1 | tee "$OUT/bench-fdkn-h100.txt"
