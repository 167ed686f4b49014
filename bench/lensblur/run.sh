#!/usr/bin/env bash
# Lens blur, our CPU path against GEGL's gegl:lens-blur (Debian `gegl` CLI), in the same run, at 1920x1080 with the
# largest blur radius 20 and the same per-pixel radius on both sides (gegl's mask = our CoC / 20).
#
#   bench/lensblur/run.sh [runs] [synthetic|motorcycle]
#
# Each of `runs` rounds (default 5, after one warm-up round) runs, one after the other:
#   gegl        gegl in.png -o out.png -- gegl:lens-blur radius=20 aux=[ gegl:load path=mask.png ]   (whole process)
#   gegl-io     the same with gegl:multiply instead of gegl:lens-blur: PNG decode/encode and the mask, no blur
#   cli         depthplugins lens-blur in.png --depth depth.png -o out.png ...                         (whole process)
#   cli-io      the same with --aperture 0: PNG decode/encode, no blur
#   library     dp_lens_blur through libdepthplugins.so on pixels in memory (RGBA8 + Gray16 -> RGBA8; what a GIMP/OFX
#               host pays; one call after a warm-up call in a fresh process)
# so a change in the machine's load hits both tools alike. Prints the medians of wall and CPU time (user + system of the
# process; the library's own CPU time for the call), and the ratios whole tool (gegl / cli) and blur only
# ((gegl - gegl-io) against (cli - cli-io) and against the library). The shared development machine is busy: CPU times
# are the steadier figures.
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

# "wall cpu" in ms of one run of a command; cpu = user + system time of the process.
timed() {
    /usr/bin/time -f "%e %U %S" -o "$work/time.txt" "$@" >/dev/null 2>&1
    awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' "$work/time.txt"
}
library() {
    $bench time-native "$work" --library artifacts/native/libdepthplugins.so --repeat 1 |
        sed -E 's/.*median ([0-9.]+) ms.*process CPU median ([0-9.]+) ms.*/\1 \2/'
}
round() {
    echo "gegl $(timed gegl "$work/in.png" -o "$work/gegl.png" -- gegl:lens-blur radius=20 aux=[ gegl:load path="$work/mask.png" ])"
    echo "gegl-io $(timed gegl "$work/in.png" -o "$work/gegl_io.png" -- gegl:multiply aux=[ gegl:load path="$work/mask.png" ])"
    echo "cli $(timed artifacts/cli/depthplugins lens-blur "$work/in.png" --depth "$work/depth.png" -o "$work/ours.png" --focus "$focus" --aperture "$aperture" --quiet)"
    echo "cli-io $(timed artifacts/cli/depthplugins lens-blur "$work/in.png" --depth "$work/depth.png" -o "$work/ours_io.png" --focus "$focus" --aperture 0 --quiet)"
    echo "library $(library)"
}
round >/dev/null # warm-up
for _ in $(seq "$runs"); do round; done >"$work/rounds.txt"
median() { grep "^$1 " "$work/rounds.txt" | awk -v c="$2" '{print $c}' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
for what in gegl gegl-io cli cli-io library; do
    printf "%-8s wall %6s ms, cpu %6s ms (medians of %s)\n" "$what" "$(median $what 2)" "$(median $what 3)" "$runs"
done
awk -v g="$(median gegl 2)" -v gc="$(median gegl 3)" -v io="$(median gegl-io 2)" -v ioc="$(median gegl-io 3)" \
    -v c="$(median cli 2)" -v cc="$(median cli 3)" -v cio="$(median cli-io 2)" -v cioc="$(median cli-io 3)" \
    -v l="$(median library 2)" -v lc="$(median library 3)" 'BEGIN {
    printf "ratio whole tool (gegl / cli):                          wall %.1fx, cpu %.1fx\n", g / c, gc / cc
    printf "ratio blur only ((gegl - gegl-io) / (cli - cli-io)):    wall %.1fx, cpu %.1fx\n", (g - io) / (c - cio), (gc - ioc) / (cc - cioc)
    printf "ratio blur only ((gegl - gegl-io) / library):           wall %.1fx, cpu %.1fx\n", (g - io) / l, (gc - ioc) / lc
}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
