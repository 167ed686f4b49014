#!/usr/bin/env bash
# Installs the DepthPlugins GIMP plug-in into every GIMP user plug-in folder it finds (Linux), or removes it.
#
#   installers/gimp/install.sh [--from DIR] [--uninstall]
#
# The plug-in is one folder per GIMP version, <profile>/plug-ins/depthplugins/, holding the executable
# `depthplugins` (GIMP runs the executable named after its folder), libdepthplugins.so and the native libraries it
# needs (ONNX Runtime). No Python, nothing outside that folder.
#
# Profiles looked at (a GIMP counts as found when its profile folder exists, i.e. it has run once, or its program
# is on PATH):
#   GIMP 3.x   ${GIMP3_DIRECTORY:-${XDG_CONFIG_HOME:-~/.config}/GIMP/3.0}   and Flatpak ~/.var/app/org.gimp.GIMP/config/GIMP/3.0
#   GIMP 2.10  ${GIMP2_DIRECTORY:-${XDG_CONFIG_HOME:-~/.config}/GIMP/2.10}  and Flatpak ~/.var/app/org.gimp.GIMP/config/GIMP/2.10
# (GIMP itself honours GIMP3_DIRECTORY / GIMP2_DIRECTORY; the tests use them to install into a temporary profile.)
#
# --from DIR: where the built plug-in folders are: DIR/gimp3/ and DIR/gimp2/ (each with depthplugins + lib*.so*).
# Default: the folder of this script if it has them (a release bundle), else the repository's artifacts/gimp
# (built by `make -C native/gimp GIMP=2` and `tools/gimp3-root.sh build` or `make -C native/gimp GIMP=3`).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
from=""
uninstall=0
while [ $# -gt 0 ]; do
    case "$1" in
        --from) from="${2:?--from needs a folder}"; shift 2 ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
if [ -z "$from" ]; then
    if [ -d "$here/gimp3" ] || [ -d "$here/gimp2" ]; then from="$here"; else from="$(cd "$here/../.." && pwd)/artifacts/gimp"; fi
fi

config="${XDG_CONFIG_HOME:-$HOME/.config}"
flatpak="$HOME/.var/app/org.gimp.GIMP/config/GIMP"

# version label | build folder name | profile folders | programs that mean "this GIMP is installed"
profiles_3=("${GIMP3_DIRECTORY:-$config/GIMP/3.0}" "$flatpak/3.0")
profiles_2=("${GIMP2_DIRECTORY:-$config/GIMP/2.10}" "$flatpak/2.10")
programs_3=(gimp-3.0 gimp-console-3.0)
programs_2=(gimp-2.10 gimp-console-2.10)

found_any=0
failed=0

has_program() {
    local p
    for p in "$@"; do command -v "$p" >/dev/null 2>&1 && return 0; done
    return 1
}

# Installs (or removes) for one GIMP version: $1 label, $2 build folder name, then profile folders after "--",
# then programs.
handle_version() {
    local label="$1" build="$2"; shift 2
    local profiles=() programs=()
    while [ "$1" != "--" ]; do profiles+=("$1"); shift; done
    shift
    programs=("$@")

    local targets=() p
    for p in "${profiles[@]}"; do
        [ -d "$p" ] && targets+=("$p")
    done
    # Installed but never started: GIMP creates the first profile folder itself on its first run.
    if [ ${#targets[@]} -eq 0 ] && has_program "${programs[@]}"; then targets+=("${profiles[0]}"); fi
    [ ${#targets[@]} -eq 0 ] && return 0
    found_any=1

    local src="$from/$build"
    for p in "${targets[@]}"; do
        local dest="$p/plug-ins/depthplugins"
        if [ $uninstall -eq 1 ]; then
            if [ -d "$dest" ]; then rm -rf "$dest"; echo "$label: removed $dest"; else echo "$label: nothing installed in $p"; fi
            continue
        fi
        if [ ! -x "$src/depthplugins" ] || [ ! -f "$src/libdepthplugins.so" ]; then
            echo "$label: found ($p) but no $label plug-in was built in $src." >&2
            echo "         Build it first: make -C native/gimp GIMP=${build#gimp} (on a machine with the $label development files)" >&2
            failed=1
            continue
        fi
        mkdir -p "$dest"
        find "$dest" -mindepth 1 -delete
        cp -p "$src/depthplugins" "$dest/"
        find "$src" -maxdepth 1 -name 'lib*.so*' ! -name '*.dbg' -exec cp -p {} "$dest/" \;
        chmod 755 "$dest/depthplugins"
        echo "$label: installed into $dest"
        # Check that the plug-in can start here: GIMP only says "plug-in crashed" when a library is missing.
        if command -v ldd >/dev/null 2>&1; then
            local missing
            missing="$(ldd "$dest/depthplugins" 2>/dev/null | awk '/not found/ { print $1 }' | tr '\n' ' ')"
            if [ -n "$missing" ]; then
                echo "$label: WARNING: the plug-in cannot start, missing libraries: $missing" >&2
                echo "         (was it built for another GIMP version or distribution? GIMP $label needs its own build)" >&2
                failed=1
            fi
        fi
    done
}

handle_version "GIMP 3" gimp3 "${profiles_3[@]}" -- "${programs_3[@]}"
handle_version "GIMP 2.10" gimp2 "${profiles_2[@]}" -- "${programs_2[@]}"

if [ $found_any -eq 0 ]; then
    echo "No GIMP found: looked for the profile folders ${profiles_3[*]} ${profiles_2[*]}" >&2
    echo "and the programs ${programs_3[*]} ${programs_2[*]}. Install GIMP (or start it once), then run this again." >&2
    exit 1
fi
[ $failed -eq 0 ] || exit 1
[ $uninstall -eq 1 ] || echo "Restart GIMP; the filters are Filters → Depth → Generate Depth… / Refine Depth… and Filters → Blur → Lens Blur (Depth)…"
