#!/usr/bin/env bash
# The downloaded archive on fresh Debian releases, as a normal user would meet it.
#
#   packaging/test_roots.sh [archive.tar.xz] [release ...]     (root; default: the archive in
#       dist/ and bookworm trixie bullseye)
#
# For each release: a fresh root (packaging/make_root.sh, cached under build/roots/<release>;
# its user's home is made afresh each run), a stand-in image viewer in /usr/share/applications,
# and recording stubs for xmessage/notify-send (the launcher's ways to reach the screen; a stub
# writes what it was asked to show). Then, as the user "desk": unpack the archive, ./install.sh,
# and run the desktop entry's Exec line under Xvfb (FACEORGANIZER_GUI_SMOKE=1 closes the window
# once it is on screen).
#   * A release whose glibc is at least what the launcher says the bundle needs must open the
#     window, keep the viewer as the default for image/jpeg, and on start-up failures
#     (QT_QPA_PLATFORM=nonsense; the bundle's libxcb-icccm removed; the system's libEGL hidden)
#     put the reason on the screen (the stub) and in the log, naming the missing library.
#   * An older one must show the user the "needs a newer Linux" message and exit 3.
# Prints one result line per release; exit status 1 when any expectation failed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
archive="${1:-}"
[[ $# -gt 0 ]] && shift
[[ -n "$archive" ]] || archive="$(ls -t "$ROOT"/dist/faceorganizer-*-linux-*.tar.xz 2>/dev/null | head -1)"
[[ -f "$archive" ]] || { echo "test_roots: no archive (run packaging/build.sh)" >&2; exit 2; }
releases=("$@")
[[ ${#releases[@]} -gt 0 ]] || releases=(bookworm trixie bullseye)
[[ $(id -u) -eq 0 ]] || { echo "test_roots: needs root (debootstrap, chroot)" >&2; exit 2; }
archive="$(cd "$(dirname "$archive")" && pwd)/$(basename "$archive")"
echo "archive: $archive"

# Run $2 (a shell script) in root $1 as the user desk (or as root with $3=root), with /proc,
# /dev and a fresh /tmp.
in_root() {
    local dir="$1" script="$2" who="${3:-desk}" spec=()
    [[ "$who" == desk ]] && spec=(--userspec=1000:1000)
    unshare --mount --fork bash -c '
        set -e
        mount -t proc proc "$1/proc"
        mount --bind /dev "$1/dev"
        mount -t tmpfs -o mode=1777 tmpfs "$1/tmp"
        shift
        exec "$@"' _ "$dir" chroot "${spec[@]}" "$dir" env -i HOME=/home/desk USER=desk \
            LANG=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin sh -c "$script"
}

failed=0
report=()
for release in "${releases[@]}"; do
    dir="$ROOT/build/roots/$release"
    "$ROOT/packaging/make_root.sh" "$release" "$dir"
    # a fresh home, a stand-in viewer, the recording stubs
    in_root "$dir" '
        rm -rf /home/desk && mkdir /home/desk && chown desk:desk /home/desk
        rm -f /usr/share/applications/faceorganizer.desktop
        cat >/usr/share/applications/viewer.desktop <<EOF
[Desktop Entry]
Type=Application
Name=Viewer
Exec=viewer %F
MimeType=image/jpeg;image/png;
EOF
        update-desktop-database /usr/share/applications
        for tool in xmessage notify-send; do
            printf "#!/bin/sh\n{ echo \"== %s \$*\"; cat 2>/dev/null; } >>/tmp/shown.txt\n" "$tool" \
                >/usr/local/bin/$tool
            chmod 755 /usr/local/bin/$tool
        done
        [ -e /usr/lib/x86_64-linux-gnu/libEGL.so.1.hidden ] \
            && mv /usr/lib/x86_64-linux-gnu/libEGL.so.1.hidden /usr/lib/x86_64-linux-gnu/libEGL.so.1
        true' root
    cp "$archive" "$dir/home/desk/"
    chown 1000:1000 "$dir/home/desk/$(basename "$archive")"
    # Unpack and install as the user; the glibc the launcher asks for against the root's.
    in_root "$dir" 'cd ~ && tar -xJf '"$(basename "$archive")"' && cd faceorganizer-*/ \
        && ./install.sh >install.txt'
    glibc="$(in_root "$dir" 'getconf GNU_LIBC_VERSION | cut -d" " -f2')"
    needed="$(sed -n 's/^GLIBC_NEEDED="\(.*\)"/\1/p' "$dir"/home/desk/faceorganizer-*/faceorganizer)"
    supported=0
    awk -v a="$glibc" -v b="$needed" 'BEGIN { split(a, x, "."); split(b, y, ".");
        exit !(x[1] > y[1] || (x[1] == y[1] && x[2] >= y[2])) }' && supported=1
    # The scenarios, as the user. Each prints "ok <what>" or "FAIL <what>: <why>".
    out="$(in_root "$dir" '
        cd ~
        Xvfb :7 -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
        xvfb=$!
        for i in $(seq 50); do [ -e /tmp/.X11-unix/X7 ] && break; sleep 0.2; done
        export DISPLAY=:7
        entry=~/.local/share/applications/faceorganizer.desktop
        exec_line="$(sed -n "s/^Exec=//p" "$entry" | sed "s/ %F\$//; s/^\"//; s/\"\$//")"
        log=~/.local/share/FaceOrganizer/faceorganizer.log
        run() {  # the entry'"'"'s Exec, as a double-click runs it (no terminal)
            rm -f /tmp/shown.txt
            start=$(date +%s.%N)
            env "$@" "$exec_line" </dev/null >/tmp/out.txt 2>/tmp/err.txt
            status=$?
            end=$(date +%s.%N)
            seconds=$(awk -v a="$start" -v b="$end" "BEGIN {printf \"%.2f\", b - a}")
            return 0
        }
        if [ '"$supported"' = 1 ]; then
            run FACEORGANIZER_GUI_SMOKE=1
            if [ $status = 0 ] && grep -q "platform=xcb" /tmp/out.txt; then
                echo "ok window from the menu entry in ${seconds} s"
            else
                echo "FAIL window: status $status: $(tail -3 /tmp/err.txt | tr "\n" " ")"
            fi
            viewer="$(xdg-mime query default image/jpeg)"
            [ "$viewer" = viewer.desktop ] && echo "ok default viewer still $viewer" \
                || echo "FAIL default viewer is now $viewer"
            run QT_QPA_PLATFORM=nonsense
            if [ $status != 0 ] && grep -q "could not start" /tmp/shown.txt 2>/dev/null \
                    && grep -q nonsense /tmp/shown.txt; then
                echo "ok QT_QPA_PLATFORM=nonsense: shown (status $status)"
            else
                echo "FAIL QT_QPA_PLATFORM=nonsense: status $status, shown: $(cat /tmp/shown.txt 2>/dev/null | tr "\n" " ")"
            fi
            lib=~/.local/share/faceorganizer/_internal/libxcb-icccm.so.4
            mv "$lib" "$lib.gone"
            run
            if [ $status != 0 ] && grep -q "libxcb-icccm.so.4" /tmp/shown.txt 2>/dev/null \
                    && grep -q "Missing libraries: libxcb-icccm.so.4" "$log"; then
                echo "ok bundled libxcb-icccm removed: shown and logged by name (status $status)"
            else
                echo "FAIL libxcb-icccm removed: status $status, shown: $(cat /tmp/shown.txt 2>/dev/null | tr "\n" " ")"
            fi
            mv "$lib.gone" "$lib"
        else
            run
            if [ $status = 3 ] && grep -q "needs a newer Linux" /tmp/shown.txt 2>/dev/null \
                    && grep -q "glibc" "$log" && grep -q "needs a newer Linux" /tmp/err.txt; then
                echo "ok unsupported: the user is told ($(grep -o "This system has glibc [0-9.]*; FaceOrganizer needs glibc [0-9.]*" /tmp/shown.txt | head -1))"
            else
                echo "FAIL unsupported: status $status, shown: $(cat /tmp/shown.txt 2>/dev/null | tr "\n" " "), stderr: $(tail -3 /tmp/err.txt | tr "\n" " ")"
            fi
        fi
        kill $xvfb
        true')"
    if [[ $supported -eq 1 ]]; then
        # libEGL hidden from the system (as root), then the entry once more as the user
        in_root "$dir" 'mv /usr/lib/x86_64-linux-gnu/libEGL.so.1 /usr/lib/x86_64-linux-gnu/libEGL.so.1.hidden' root
        out="$out
$(in_root "$dir" '
        Xvfb :7 -nolisten tcp >/dev/null 2>&1 &
        xvfb=$!
        for i in $(seq 50); do [ -e /tmp/.X11-unix/X7 ] && break; sleep 0.2; done
        exec_line="$(sed -n "s/^Exec=//p" ~/.local/share/applications/faceorganizer.desktop | sed "s/ %F\$//")"
        rm -f /tmp/shown.txt
        DISPLAY=:7 "$exec_line" </dev/null >/dev/null 2>/tmp/err.txt
        status=$?
        if [ $status != 0 ] && grep -q "libEGL.so.1" /tmp/shown.txt 2>/dev/null; then
            echo "ok libEGL missing: shown by name (status $status)"
        else
            echo "FAIL libEGL missing: status $status, shown: $(cat /tmp/shown.txt 2>/dev/null | tr "\n" " ")"
        fi
        kill $xvfb
        true')"
        in_root "$dir" 'mv /usr/lib/x86_64-linux-gnu/libEGL.so.1.hidden /usr/lib/x86_64-linux-gnu/libEGL.so.1' root
    fi
    echo "$out" | sed "s/^/  $release: /"
    grep -q "^FAIL" <<<"$out" && failed=1
    grep -q "^ok" <<<"$out" || failed=1
    verdict="$([[ $supported -eq 1 ]] && echo supported || echo "not supported")"
    report+=("$release (glibc $glibc, the bundle needs $needed): $verdict: $(grep -c '^ok' <<<"$out") ok, $(grep -c '^FAIL' <<<"$out" || true) failed")
done
printf 'result: %s\n' "${report[@]}"
exit $failed
