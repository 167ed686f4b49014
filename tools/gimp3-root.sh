#!/usr/bin/env bash
# A Debian 13 (trixie) root with GIMP 3.0 and its development files, for building and testing the GIMP 3 plug-in on
# a machine whose own GIMP is 2.10 (Debian 12). Needs root (debootstrap, chroot, mount) and network access to a
# Debian mirror the first time.
#
#   tools/gimp3-root.sh ensure           create the root unless a complete one is already there (about 1-3 minutes)
#   tools/gimp3-root.sh run CMD [ARG..]  run CMD inside the root with /proc and /dev mounted for that command only
#   tools/gimp3-root.sh build            build the GIMP 3 plug-in inside the root against artifacts/native
#                                        (the library built on this machine runs there) into artifacts/gimp/gimp3
#   tools/gimp3-root.sh path             print the root's location
#
# The root lives in $DP_GIMP3_ROOT (default artifacts/gimp3-root, gitignored) and is reused while its package list
# matches PACKAGES below; delete it to start over (a fresh CI checkout always creates it). Mirror: $DP_DEBIAN_MIRROR
# (default http://deb.debian.org/debian).
#
# Mounts: with util-linux's unshare the command runs in a private mount namespace, so /proc and /dev vanish with it
# even if it is killed; without it they are unmounted by an EXIT trap. Nothing is ever deleted while mounted.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${DP_GIMP3_ROOT:-$repo/artifacts/gimp3-root}"
mirror="${DP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGES="gimp libgimp-3.0-dev gcc libc6-dev make pkg-config"
marker="$root/.depthplugins-root"

die() { echo "gimp3-root: $*" >&2; exit 1; }

# Fallback (no unshare): what this process mounted, unmounted on any exit.
mounted=()
unmount_all() {
    local m
    for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || umount -l "$m"; done
    mounted=()
}

require_root() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot and mount need it)"
}

mounted_under_root() {
    awk -v r="$root" '$2 == r || index($2, r "/") == 1 { found = 1 } END { exit !found }' /proc/mounts
}

ensure() {
    require_root
    if [ -f "$marker" ] && [ "$(cat "$marker")" = "$PACKAGES" ]; then
        return 0
    fi
    command -v debootstrap >/dev/null || die "debootstrap is not installed (Debian/Ubuntu: apt-get install debootstrap)"
    if [ -e "$root" ]; then
        mounted_under_root && die "$root has mounts under it; unmount them (grep '$root' /proc/mounts) before it is rebuilt"
        echo "gimp3-root: removing the incomplete or outdated root $root" >&2
        rm -rf --one-file-system "$root"
    fi
    mkdir -p "$(dirname "$root")"
    echo "gimp3-root: debootstrap trixie into $root from $mirror" >&2
    local t0=$SECONDS
    debootstrap --variant=minbase trixie "$root" "$mirror" >"$root.debootstrap.log" 2>&1 \
        || { tail -20 "$root.debootstrap.log" >&2; die "debootstrap failed (full log: $root.debootstrap.log)"; }
    echo "gimp3-root: debootstrap took $((SECONDS - t0)) s; installing $PACKAGES" >&2
    t0=$SECONDS
    run_in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES \
        >"$root.apt.log" 2>&1 || { tail -20 "$root.apt.log" >&2; die "apt-get install in the root failed (log: $root.apt.log)"; }
    run_in_root apt-get clean
    echo "gimp3-root: package install took $((SECONDS - t0)) s" >&2
    echo "$PACKAGES" >"$marker"
}

run_in_root() {
    require_root
    [ -d "$root/usr" ] || die "no root at $root (run: $0 ensure)"
    local envs=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)
    if unshare --mount --propagation private true 2>/dev/null; then
        unshare --mount --propagation private -- sh -c '
            r="$1"; shift
            mount -t proc proc "$r/proc" && mount --bind /dev "$r/dev" && exec chroot "$r" "$@"' \
            sh "$root" "${envs[@]}" "$@"
    else
        trap unmount_all EXIT
        trap 'exit 130' INT TERM
        mount -t proc proc "$root/proc" && mounted+=("$root/proc")
        mount --bind /dev "$root/dev" && mounted+=("$root/dev")
        local rc=0
        chroot "$root" "${envs[@]}" "$@" || rc=$?
        unmount_all
        return $rc
    fi
}

build() {
    ensure
    local lib="$repo/artifacts/native/libdepthplugins.so"
    [ -f "$lib" ] || die "$lib is missing: dotnet publish src/DepthPlugins.Native -c Release -r linux-x64 -o artifacts/native"
    local work="$root/build/depthplugins"
    rm -rf --one-file-system "$work"
    mkdir -p "$work/native" "$work/artifacts"
    cp -r "$repo/native/gimp" "$repo/native/include" "$work/native/"
    cp -r "$repo/artifacts/native" "$work/artifacts/"
    run_in_root make -s -C /build/depthplugins/native/gimp GIMP=3 OUT=/build/depthplugins/out
    rm -rf "$repo/artifacts/gimp/gimp3"
    mkdir -p "$repo/artifacts/gimp"
    cp -r "$work/out" "$repo/artifacts/gimp/gimp3"
    echo "gimp3-root: built $repo/artifacts/gimp/gimp3/depthplugins" >&2
}

case "${1:-}" in
    ensure) ensure ;;
    run) shift; [ $# -gt 0 ] || die "run: no command"; run_in_root "$@" ;;
    build) build ;;
    path) echo "$root" ;;
    *) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
