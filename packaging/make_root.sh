#!/usr/bin/env bash
# Make (or reuse) a fresh Debian root for the release tests of the bundle:
#
#   packaging/make_root.sh <release> <dir>     e.g. packaging/make_root.sh bullseye build/roots/bullseye
#
# debootstrap --variant=minbase from the Debian archive this machine's apt sources name
# (FACEORGANIZER_DEBIAN_MIRROR overrides it), then only what every desktop has: Xvfb (the
# display), libegl1, fontconfig-config, fonts-dejavu-core, xz-utils (to unpack the archive),
# xdg-utils and desktop-file-utils (menus and "Open with": which program is the default), and a
# normal user "desk" (uid 1000). A root that finished before (its stamp file exists) is reused.
# Needs root and debootstrap.
set -euo pipefail
release="${1:?release (bullseye, bookworm, trixie)}"
dir="${2:?directory}"
stamp="$dir/.faceorganizer-root"
PACKAGES="xvfb libegl1 fontconfig-config fonts-dejavu-core xz-utils xdg-utils desktop-file-utils"
if [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$PACKAGES" ]]; then
    exit 0
fi
mirror="${FACEORGANIZER_DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
    mirror="$(grep -hs -E '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' \
        | grep -v -- '-security' | head -1 || true)"
fi
if [[ -z "$mirror" ]]; then
    mirror="$(grep -hs -E '^deb ' /etc/apt/sources.list | awk '{print $2}' \
        | grep -v -- '-security' | head -1 || true)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"
rm -rf "$dir"
mkdir -p "$dir"
debootstrap --variant=minbase "$release" "$dir" "$mirror" >"$dir.debootstrap.log" 2>&1 \
    || { tail -20 "$dir.debootstrap.log" >&2; echo "make_root: debootstrap $release failed" >&2; exit 1; }
unshare --mount --fork sh -euc "
    mount -t proc proc '$dir/proc'
    mount --bind /dev '$dir/dev'
    cp /etc/resolv.conf '$dir/etc/resolv.conf' 2>/dev/null || true
    chroot '$dir' apt-get -qq update
    DEBIAN_FRONTEND=noninteractive chroot '$dir' apt-get -qq install -y --no-install-recommends $PACKAGES
    chroot '$dir' apt-get -qq clean
    chroot '$dir' useradd -m -u 1000 -s /bin/sh desk
" >"$dir.apt.log" 2>&1 || { tail -20 "$dir.apt.log" >&2; echo "make_root: packages for $release failed" >&2; exit 1; }
echo "$PACKAGES" >"$stamp"
echo "root ready: $dir ($release, $(du -sh "$dir" | cut -f1))"
