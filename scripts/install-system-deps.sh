#!/usr/bin/env bash
# System packages FaceOrganizer needs on Debian/Ubuntu: every library Qt's xcb (X11) and
# wayland platform plugins load, OpenGL/EGL, fonts, D-Bus, exiftool, and for the tests and the
# packaging: Xvfb + xauth (the window is tested on a virtual display), strace and
# desktop-file-utils.
# Installs only what is missing, as root with apt-get; otherwise prints the exact command.
# Prints nothing when everything is there. `--runtime` (what ./run uses): only what the program
# itself needs, not the test tools; `--packaging` (packaging/build.sh): also the tools that make
# the bundle smaller and pack it (binutils, gcc, xz).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Checked against `ldd` of PySide6's plugins/platforms/libqxcb.so and lib/libQt6XcbQpa.so.6
# (Qt 6.6-6.12), and of libqwayland*.so.
packages=(
  # Qt core/gui
  libgl1 libegl1 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libxkbcommon0
  # xcb platform plugin
  libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1
  libxcb-util1 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0
  # wayland platform plugin
  libwayland-client0 libwayland-cursor0 libwayland-egl1
  # metadata
  libimage-exiftool-perl
)
if [ "${1:-}" != "--runtime" ]; then
  packages+=(xvfb xauth desktop-file-utils strace)  # tests (the window under Xvfb; strace: the
  # process-level privacy tests), packaging
fi
if [ "${1:-}" = "--packaging" ]; then
  packages+=(binutils gcc xz-utils)
fi
# scripts/bootstrap.sh makes a virtual environment: Debian's python3 needs python3-venv for it.
if command -v python3 >/dev/null 2>&1 && ! python3 -c "import ensurepip" >/dev/null 2>&1; then
  packages+=(python3-venv)
fi
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${packages[@]}"; do
    have "$pkg" || need+=("$pkg")
  done
fi
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "setting up: apt-get install ${need[*]}" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${need[@]}") >/dev/null 2>&1 \
      || echo "warning: could not install ${need[*]}" >&2
  else
    echo "note: FaceOrganizer's window needs these system packages; please run:" >&2
    echo "  sudo apt-get install ${need[*]}" >&2
  fi
fi
# Whatever the distribution: name any library the installed xcb plugin still cannot find.
plugin="$(ls "$here"/.venv/lib/python3*/site-packages/PySide6/Qt/plugins/platforms/libqxcb.so \
  2>/dev/null | head -n1)"
if [ -n "$plugin" ] && command -v ldd >/dev/null 2>&1; then
  qtlib="$(dirname "$(dirname "$(dirname "$plugin")")")/lib"
  missing="$(LD_LIBRARY_PATH="$qtlib" ldd "$plugin" "$qtlib/libQt6XcbQpa.so.6" 2>&1 \
    | awk '/not found/ {print $1}
           /error while loading shared libraries/ {sub(/.*libraries: /, ""); sub(/:.*/, ""); print}' \
    | sort -u | tr '\n' ' ')"
  if [ -n "$missing" ]; then
    echo "note: Qt's X11 (xcb) platform cannot load: $missing" >&2
    echo "  install the packages that provide them (Debian/Ubuntu: see this script's list)" >&2
  fi
fi
exit 0
