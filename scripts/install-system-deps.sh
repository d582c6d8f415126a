#!/usr/bin/env bash
# System packages the tests need (Qt's runtime libraries, exiftool). Installs only what is
# missing, and only where apt-get can be used; elsewhere it says what to install.
set -uo pipefail
need=()
have() { dpkg -s "$1" >/dev/null 2>&1; }
for pkg in libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 \
           libimage-exiftool-perl; do
  have "$pkg" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "setting up: apt-get install ${need[*]}" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") \
    >/dev/null 2>&1 || echo "warning: could not install ${need[*]}" >&2
elif command -v apt-get >/dev/null 2>&1; then
  echo "note: please install: sudo apt-get install ${need[*]}" >&2
fi
exit 0
