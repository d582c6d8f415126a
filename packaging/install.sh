#!/usr/bin/env bash
# Install FaceOrganizer from this unpacked folder: the program, a menu entry that opens photos
# ("Open with FaceOrganizer", drop a photo on the launcher) and the icon.
#
#   ./install.sh               for you: ~/.local/share/faceorganizer, ~/.local/bin/faceorganizer
#   sudo ./install.sh --system for everyone: /opt/faceorganizer, /usr/local/bin/faceorganizer
#   ./install.sh --uninstall   (with --system for the system-wide install)
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
system=0 uninstall=0
for arg in "$@"; do
    case "$arg" in
        --system) system=1 ;;
        --uninstall) uninstall=1 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    esac
done
if [[ $system -eq 1 ]]; then
    prefix=/opt/faceorganizer bin=/usr/local/bin share=/usr/share
else
    data="${XDG_DATA_HOME:-$HOME/.local/share}"
    prefix="$data/faceorganizer" bin="$HOME/.local/bin" share="$data"
fi
apps="$share/applications" icons="$share/icons/hicolor"
refresh() {
    command -v update-desktop-database >/dev/null 2>&1 \
        && update-desktop-database -q "$apps" 2>/dev/null || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 \
        && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
}
if [[ $uninstall -eq 1 ]]; then
    rm -rf "$prefix"
    rm -f "$bin/faceorganizer" "$apps/faceorganizer.desktop" \
        "$icons/scalable/apps/faceorganizer.svg" "$icons/256x256/apps/faceorganizer.png"
    refresh
    echo "FaceOrganizer removed (your library and settings are kept)"
    exit 0
fi
if [[ "$src" != "$prefix" ]]; then
    rm -rf "$prefix.new"
    mkdir -p "$(dirname "$prefix")"
    cp -a "$src" "$prefix.new"
    rm -rf "$prefix"
    mv "$prefix.new" "$prefix"
fi
res="$prefix/_internal/resources"
mkdir -p "$bin" "$apps"
ln -sfn "$prefix/faceorganizer" "$bin/faceorganizer"
install -Dm644 "$res/icons/faceorganizer.svg" "$icons/scalable/apps/faceorganizer.svg"
install -Dm644 "$res/icons/faceorganizer-256.png" "$icons/256x256/apps/faceorganizer.png"
# The entry runs this copy by its absolute path (quoted when the path has spaces).
exec_path="$prefix/faceorganizer"
[[ "$exec_path" == *" "* ]] && exec_path="\"$exec_path\""
sed -e "s|^Exec=.*|Exec=$exec_path %F|" -e "s|^TryExec=.*||" \
    "$res/faceorganizer.desktop" > "$apps/faceorganizer.desktop.part"
chmod 644 "$apps/faceorganizer.desktop.part"
mv "$apps/faceorganizer.desktop.part" "$apps/faceorganizer.desktop"
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$apps/faceorganizer.desktop"
fi
refresh
echo "FaceOrganizer installed in $prefix"
echo "  menu entry: $apps/faceorganizer.desktop"
echo "  command:    $bin/faceorganizer"
