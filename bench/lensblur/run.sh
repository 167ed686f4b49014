#!/usr/bin/env bash
# Lens blur, our CPU path against GEGL's gegl:lens-blur (Debian `gegl` CLI), in the same run, at 1920x1080 with the
# largest blur radius 20 and the same per-pixel radius on both sides (gegl's mask = our CoC / 20).
#
#   bench/lensblur/run.sh [runs] [synthetic|motorcycle]
#
# Prints the median of `runs` (default 5) for:
#   gegl      gegl in.png -o out.png -- gegl:lens-blur radius=20 aux=[ gegl:load path=mask.png ]   (whole process)
#   gegl-io   the same with gegl:multiply instead of gegl:lens-blur: PNG decode/encode and the mask, no blur
#   cli       depthplugins lens-blur in.png --depth depth.png -o out.png ...                         (whole process)
#   library   dp_lens_blur through libdepthplugins.so on pixels in memory (what a GIMP/OFX host pays)
#   jit       the managed renderer in-process (JIT), pixels in memory
# and the ratios gegl/cli (whole tool vs whole tool) and (gegl - gegl-io)/library (blur vs blur).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"
source="${2:-synthetic}"
cd "$root"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "gegl: $(dpkg-query -W -f='${Version}' gegl 2>/dev/null || echo unknown)"
dotnet build bench/lensblur -c Release -v quiet -nologo >/dev/null
dotnet publish src/DepthPlugins.Native -c Release -r linux-x64 -o artifacts/native -v quiet -nologo >/dev/null
dotnet publish src/DepthPlugins.Cli -c Release -r linux-x64 -o artifacts/cli -v quiet -nologo >/dev/null
bench=bench/lensblur/bin/Release/net10.0/LensBlurBench
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
$bench scene "$work" --source "$source" --width 1920 --height 1080 --radius 20
focus=$(awk '/^focus/{print $2}' "$work/params.txt")
aperture=$(awk '/^aperture/{print $2}' "$work/params.txt")

# "wall cpu" medians in ms of a command run $runs times (after one warm-up run); cpu = user + system time of the
# process, which a busy shared machine inflates less than the wall time.
median() {
    "$@" >/dev/null 2>&1
    : >"$work/times.txt"
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %U %S" -o "$work/time.txt" "$@" >/dev/null 2>&1
        awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' "$work/time.txt" >>"$work/times.txt"
    done
    mid() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
    echo "$(cut -d' ' -f1 "$work/times.txt" | mid) $(cut -d' ' -f2 "$work/times.txt" | mid)"
}

read -r gegl_ms gegl_cpu < <(median gegl "$work/in.png" -o "$work/gegl.png" -- gegl:lens-blur radius=20 aux=[ gegl:load path="$work/mask.png" ])
read -r gegl_io_ms gegl_io_cpu < <(median gegl "$work/in.png" -o "$work/gegl_io.png" -- gegl:multiply aux=[ gegl:load path="$work/mask.png" ])
read -r cli_ms cli_cpu < <(median artifacts/cli/depthplugins lens-blur "$work/in.png" --depth "$work/depth.png" -o "$work/ours.png" --focus "$focus" --aperture "$aperture" --quiet)
library_line=$($bench time-native "$work" --library artifacts/native/libdepthplugins.so --repeat "$runs")
jit_line=$($bench time "$work" --repeat "$runs")
library_ms=$(echo "$library_line" | sed -E 's/.*median ([0-9.]+) ms.*/\1/')

echo "gegl      wall ${gegl_ms} ms, cpu ${gegl_cpu} ms"
echo "gegl-io   wall ${gegl_io_ms} ms, cpu ${gegl_io_cpu} ms"
echo "cli       wall ${cli_ms} ms, cpu ${cli_cpu} ms"
echo "library   ${library_line}"
echo "jit       ${jit_line}"
awk -v g="$gegl_ms" -v io="$gegl_io_ms" -v c="$cli_ms" -v l="$library_ms" -v gc="$gegl_cpu" -v cc="$cli_cpu" 'BEGIN {
    printf "ratio whole tool, wall (gegl / cli):           %.1fx\n", g / c
    printf "ratio whole tool, cpu time (gegl / cli):       %.1fx\n", gc / cc
    printf "ratio blur only, wall ((gegl - gegl-io) / library): %.1fx\n", (g - io) / l
}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
