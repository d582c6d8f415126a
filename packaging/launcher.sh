#!/bin/sh
# FaceOrganizer's Linux launcher: `faceorganizer` at the top of the bundle (the program itself is
# `faceorganizer-bin` beside it). A POSIX shell script, so it runs where the program cannot load
# at all. It
#   1. checks the glibc version before anything of the bundle is loaded (glibc is not bundled;
#      packaging/build.sh writes the version the bundle needs below, measured with objdump);
#   2. for the window (no arguments, or photos), runs the program and, when it fails to start,
#      names the cause: libraries Qt's xcb platform needs that are missing (ldd), Qt's last
#      words; and shows it where a double-click can see it (zenity, kdialog, notify-send or
#      xmessage, whichever exists), on stderr, and in faceorganizer.log in the data folder;
#   3. runs the command line (`faceorganizer scan ...`) directly.
# Exit status: the program's; 3 when this system's glibc is too old.
GLIBC_NEEDED="@GLIBC_NEEDED@"

self="$(readlink -f "$0" 2>/dev/null || echo "$0")"
here="$(dirname "$self")"
bin="$here/faceorganizer-bin"
data="${FACEORGANIZER_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/FaceOrganizer}"
log="$data/faceorganizer.log"

# The window when there are no arguments or the first is a photo (as the program decides).
gui=0
if [ $# -eq 0 ]; then
    gui=1
else
    case "$1" in
        -*) ;;
        file://*) gui=1 ;;
        *) [ -f "$1" ] && gui=1 ;;
    esac
fi

write_log() {
    mkdir -p "$data" 2>/dev/null && printf '%s launcher: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" \
        "$1" >>"$log" 2>/dev/null
}

# Show $1 (title) / $2 (text) with what the desktop has; 0 when something showed it.
show() {
    [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || return 1
    [ -n "${FACEORGANIZER_NO_DIALOG:-}" ] && return 1
    if command -v zenity >/dev/null 2>&1; then
        zenity --error --no-markup --title="$1" --text="$2" >/dev/null 2>&1 && return 0
    fi
    if command -v kdialog >/dev/null 2>&1; then
        kdialog --title "$1" --error "$2" >/dev/null 2>&1 && return 0
    fi
    if command -v notify-send >/dev/null 2>&1; then
        notify-send -u critical -a FaceOrganizer "$1" "$2" >/dev/null 2>&1 && return 0
    fi
    if command -v xmessage >/dev/null 2>&1; then
        printf '%s\n\n%s\n' "$1" "$2" | xmessage -center -file - >/dev/null 2>&1 && return 0
    fi
    return 1
}

fail() {  # $1 title, $2 text: stderr, the log, the screen
    printf 'faceorganizer: %s\n%s\n' "$1" "$2" >&2
    write_log "$1: $2"
    show "$1" "$2
(also in $log)" || true
}

# -- 1. glibc ---------------------------------------------------------------------------------
version_ge() {  # $1 >= $2, both x.y
    awk -v a="$1" -v b="$2" 'BEGIN {
        split(a, x, "."); split(b, y, ".");
        if (x[1] + 0 != y[1] + 0) exit !(x[1] + 0 > y[1] + 0);
        exit !(x[2] + 0 >= y[2] + 0) }'
}
case "$GLIBC_NEEDED" in @*) GLIBC_NEEDED="" ;; esac  # not filled in: a development copy
if [ -n "$GLIBC_NEEDED" ] && [ -z "${FACEORGANIZER_SKIP_GLIBC_CHECK:-}" ]; then
    have="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
    [ -n "$have" ] || have="$(ldd --version 2>/dev/null | head -n 1 | awk '{print $NF}')"
    case "$have" in [0-9]*.[0-9]*) ;; *) have="" ;; esac
    if [ -z "$have" ]; then
        fail "FaceOrganizer cannot run on this system" \
"It needs the GNU C library (glibc) $GLIBC_NEEDED or newer, and this system does not seem to
use glibc."
        exit 3
    fi
    if ! version_ge "$have" "$GLIBC_NEEDED"; then
        fail "FaceOrganizer needs a newer Linux" \
"This system has glibc $have; FaceOrganizer needs glibc $GLIBC_NEEDED or newer (for example
Debian 12, Ubuntu 24.04, Fedora 37 or later). Please update the system, or use a newer one."
        exit 3
    fi
fi

if [ ! -x "$bin" ]; then
    fail "FaceOrganizer is incomplete" "$bin is missing: unpack the archive again."
    exit 1
fi
# Qt's xcb class name (StartupWMClass=faceorganizer), not faceorganizer-bin.
RESOURCE_NAME="${RESOURCE_NAME:-faceorganizer}"
export RESOURCE_NAME
[ "$gui" -eq 1 ] || exec "$bin" "$@"

# -- 2. the window ----------------------------------------------------------------------------
tmp="$(mktemp -d 2>/dev/null || echo "${TMPDIR:-/tmp}/faceorganizer.$$")"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
# The program writes "window" into it once its window is up, "error shown" after its own message
# box about a failure to start.
FACEORGANIZER_LAUNCHER_STATE="$tmp/state"
export FACEORGANIZER_LAUNCHER_STATE
# stderr goes to the terminal as it comes and into a file for the reason
{ { "$bin" "$@" 2>&1 1>&3 3>&-; echo $? >"$tmp/status"; } | tee "$tmp/stderr" >&2; } 3>&1
status="$(cat "$tmp/status" 2>/dev/null || echo 1)"
# 0: closed; 130/143: interrupted or terminated by the user or the session
case "$status" in 0|130|143) exit "$status" ;; esac

# Libraries Qt's window needs that cannot be found: ldd with the bundle's folders first, as
# the program runs (Qt's own message may name the wrong one).
internal="$here/_internal"
qt="$internal/PySide6/Qt"
missing=""
if command -v ldd >/dev/null 2>&1; then
    for lib in "$qt/plugins/platforms/libqxcb.so" "$qt/lib/libQt6XcbQpa.so.6" \
            "$qt/lib/libQt6Gui.so.6" "$qt/lib/libQt6Widgets.so.6"; do
        [ -f "$lib" ] || continue
        missing="$missing $(LD_LIBRARY_PATH="$internal:$qt/lib" ldd "$lib" 2>/dev/null \
            | awk '/not found/ {print $1}')"
    done
    missing="$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//')"
fi
said="$(grep -v '^[[:space:]]*$' "$tmp/stderr" | tail -n 4)"
state="$(cat "$FACEORGANIZER_LAUNCHER_STATE" 2>/dev/null)"
if [ "$state" = "window" ]; then
    text="FaceOrganizer stopped unexpectedly (status $status)."
else
    text="FaceOrganizer exited with status $status before its window could open."
fi
if [ -n "$missing" ]; then
    text="$text
Missing libraries: $missing
(install the packages that provide them, e.g. with your software centre)."
fi
[ -n "$said" ] && text="$text
It said:
$said"
if [ "$state" = "error shown" ]; then
    write_log "start-up failed (status $status, shown by the program)${missing:+; missing libraries: $missing}"
elif [ "$state" = "window" ]; then
    fail "FaceOrganizer stopped" "$text"
else
    fail "FaceOrganizer could not start" "$text"
fi
exit "$status"
