#!/usr/bin/env bash
# Install FaceOrganizer from this unpacked folder: the program, a menu entry that opens photos
# ("Open with FaceOrganizer", drop a photo on the launcher) and the icon.
#
#   ./install.sh                        for you: ~/.local/share/faceorganizer, ~/.local/bin
#   sudo ./install.sh --system          for everyone: /opt/faceorganizer, /usr/local/bin
#   ./install.sh --uninstall            remove the program (asks about your library when run
#                                       in a terminal; keeps it otherwise)
#   ./install.sh --uninstall --purge    remove your library and settings too (never your photos)
#   ./install.sh --uninstall --keep-library   keep them without asking
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
system=0 uninstall=0 purge=ask
for arg in "$@"; do
    case "$arg" in
        --system) system=1 ;;
        --uninstall) uninstall=1 ;;
        --purge) purge=yes ;;
        --keep-library) purge=no ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
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
sizes=(16 32 48 64 128 256)
# Where the program keeps your library (the database of faces and names, thumbnails, the log)
# and its settings; the photos themselves are never changed or moved.
library="${FACEORGANIZER_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/FaceOrganizer}"
settings="${XDG_CONFIG_HOME:-$HOME/.config}/FaceOrganizer"

# The menu's cache of which programs open which file types (mimeinfo.cache) is refreshed while
# our entry is NOT in the folder: the entry's MimeType makes FaceOrganizer *a* program for photos
# (GNOME, KDE, Xfce read it from the entry itself), but a cache that lists it would make it the
# default viewer wherever the user never chose one (xdg-mime falls back on the cache, and the
# user's folder comes first). Choosing the default is the user's: xdg-mime default or the
# desktop's settings.
refresh_mime_cache() {
    if [[ -f "$apps/mimeinfo.cache" ]] && command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$apps" 2>/dev/null || true
    fi
}
refresh_icons() {
    command -v gtk-update-icon-cache >/dev/null 2>&1 \
        && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
}
remove_entry() {
    rm -f "$apps/faceorganizer.desktop"
    refresh_mime_cache
}

if [[ $uninstall -eq 1 ]]; then
    rm -rf "$prefix"
    rm -f "$bin/faceorganizer" "$icons/scalable/apps/faceorganizer.svg"
    for n in "${sizes[@]}"; do rm -f "$icons/${n}x$n/apps/faceorganizer.png"; done
    remove_entry
    refresh_icons
    echo "FaceOrganizer removed from $prefix"
    if [[ $system -eq 1 ]]; then
        echo "Each user's library stays in their ~/.local/share/FaceOrganizer (remove it there)."
        exit 0
    fi
    if [[ ! -e "$library" && ! -e "$settings" ]]; then
        exit 0
    fi
    size="$(du -sh "$library" 2>/dev/null | cut -f1 || true)"
    echo "Your library (faces, names, thumbnails) is kept in $library${size:+ ($size)}"
    [[ -e "$settings" ]] && echo "and your settings in $settings"
    echo "Your photos are not in it and are never touched."
    if [[ "$purge" == ask ]]; then
        purge=no
        if [[ -t 0 ]]; then
            read -r -p "Remove the library and settings too? [y/N] " answer || answer=""
            [[ "$answer" == [yY]* ]] && purge=yes
        else
            echo "To remove it too: ./install.sh --uninstall --purge"
        fi
    fi
    if [[ "$purge" == yes ]]; then
        rm -rf "$library" "$settings"
        echo "Removed $library and $settings"
    fi
    exit 0
fi
if [[ "$purge" != ask ]]; then
    echo "install.sh: --purge and --keep-library go with --uninstall" >&2
    exit 2
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
for n in "${sizes[@]}"; do
    [[ -f "$res/icons/faceorganizer-$n.png" ]] \
        && install -Dm644 "$res/icons/faceorganizer-$n.png" "$icons/${n}x$n/apps/faceorganizer.png"
done
# The entry runs this copy's launcher by its absolute path (quoted when the path has spaces).
exec_path="$prefix/faceorganizer"
[[ "$exec_path" == *" "* ]] && exec_path="\"$exec_path\""
remove_entry  # an earlier install's entry out of the cache (see refresh_mime_cache)
sed -e "s|^Exec=.*|Exec=$exec_path %F|" -e "s|^TryExec=.*||" \
    "$res/faceorganizer.desktop" > "$apps/faceorganizer.desktop.part"
chmod 644 "$apps/faceorganizer.desktop.part"
mv "$apps/faceorganizer.desktop.part" "$apps/faceorganizer.desktop"
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$apps/faceorganizer.desktop"
fi
refresh_icons
echo "FaceOrganizer installed in $prefix"
echo "  menu entry: $apps/faceorganizer.desktop (and \"Open with\" for photos; to make it the"
echo "              default viewer: xdg-mime default faceorganizer.desktop image/jpeg)"
echo "  command:    $bin/faceorganizer"
if [[ "$src" != "$prefix" ]]; then
    echo "The program was copied: you can delete this unpacked folder ($src)."
fi
