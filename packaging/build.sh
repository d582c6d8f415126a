#!/usr/bin/env bash
# Build the one-folder FaceOrganizer program with PyInstaller, check it, smoke-test it, pack it.
#
#   packaging/build.sh            use $PYTHON (default .venv/bin/python, else python3) and its
#                                 packages; PyInstaller goes to build/pyinstaller-tools, so the
#                                 environment itself is not changed
#   packaging/build.sh --fresh    make build/venv, install the locked set (requirements-dev.txt,
#                                 --require-hashes: the program's packages plus onnx, which derives
#                                 two model files), the project and PyInstaller there
#
# Steps: model files (fetched when missing) -> PyInstaller (fails when it reports a library it
# could not find) -> packaging/slim.py (smaller: see there) -> every bundled library resolved
# with ldd (fails on "not found") -> on Linux, the launcher `faceorganizer` (packaging/launcher.sh
# with the newest glibc symbol version the bundle needs, packaging/glibc_needed.py) beside the
# program `faceorganizer-bin` -> smoke
# tests: --version, a scan of three photos, the window on a virtual X display (Xvfb, Qt's xcb
# platform; skipped with a warning where Xvfb is missing, FACEORGANIZER_REQUIRE_WINDOW=1 makes
# that an error) -> on Linux, dist/faceorganizer-<version>-linux-<arch>.tar.xz with install.sh.
#
# Output: dist/faceorganizer/ (and the archive). Exit status non-zero when any step fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYI_VERSION="${PYI_VERSION:-pyinstaller>=6.5}"
started=$SECONDS

if [[ "$(uname -s)" == "Linux" && -x "$ROOT/scripts/install-system-deps.sh" ]]; then
    "$ROOT/scripts/install-system-deps.sh" --packaging
fi

if [[ "${1:-}" == "--fresh" ]]; then
    python3 -m venv build/venv
    PY="$ROOT/build/venv/bin/python"
    # exactly the locked set (every package with its sha256; the dev set, because onnx derives
    # two model files; PyInstaller bundles only what the program imports), then the project
    # itself without dependencies; PyInstaller is a build tool, outside the bundle
    "$PY" -m pip install --quiet --disable-pip-version-check --require-hashes \
        -r "$ROOT/requirements-dev.txt"
    "$PY" -m pip install --quiet --disable-pip-version-check --no-deps "$ROOT"
    "$PY" -m pip install --quiet --disable-pip-version-check "$PYI_VERSION"
    RUN=("$PY" -m PyInstaller)
else
    if [[ -n "${PYTHON:-}" ]]; then PY="$PYTHON"
    elif [[ -x "$ROOT/.venv/bin/python" ]]; then PY="$ROOT/.venv/bin/python"
    else PY="$(command -v python3)"; fi
    TOOLS="$ROOT/build/pyinstaller-tools"
    if [[ ! -d "$TOOLS/PyInstaller" ]]; then
        "$PY" -m pip install --quiet --disable-pip-version-check --target "$TOOLS" "$PYI_VERSION"
    fi
    RUN=(env "PYTHONPATH=$TOOLS${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m PyInstaller)
fi

# -- model files: fetched (and derived) when missing; quiet when all are there --------------------
(cd "$ROOT" && PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m faceorganizer.core.models.fetch)

# -- PyInstaller ----------------------------------------------------------------------------------
LOG="$ROOT/build/pyinstaller.log"
mkdir -p "$ROOT/build"
set +e
"${RUN[@]}" --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
    "$ROOT/packaging/faceorganizer.spec" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
[[ $status -eq 0 ]] || { echo "build failed: PyInstaller exited with $status" >&2; exit 1; }
# A library PyInstaller could not find fails the build, unless only a file the spec dropped
# (listed in dropped-binaries.txt) needed it.
DROPPED="$ROOT/build/pyinstaller/faceorganizer/dropped-binaries.txt"
if grep -E "Library not found|could not resolve" "$LOG" \
        | grep -v -F -f <(sed "s/.*/'&'/" "$DROPPED" 2>/dev/null || true) >&2; then
    echo "build failed: PyInstaller could not find the libraries above on this machine, so" \
        "the bundle would not run where they are absent (scripts/install-system-deps.sh" \
        "installs them)" >&2
    exit 1
fi
APP="$ROOT/dist/faceorganizer"
EXE="$APP/faceorganizer"
[[ -x "$EXE" || "$(uname -s)" == "Linux" ]] || EXE="$EXE.exe"

# -- smaller (Linux), then every bundled library resolves, then the launcher ----------------------
if [[ "$(uname -s)" == "Linux" ]]; then
    "$PY" "$ROOT/packaging/slim.py" "$APP"
    "$PY" "$ROOT/packaging/check_libs.py" "$APP"
    # The launcher checks the glibc the bundle needs (measured here) before anything loads.
    "$PY" "$ROOT/packaging/glibc_needed.py" "$APP" --list 5
    glibc="$("$PY" "$ROOT/packaging/glibc_needed.py" "$APP" --value)"
    sed "s/@GLIBC_NEEDED@/$glibc/" "$ROOT/packaging/launcher.sh" >"$EXE.part"
    chmod 755 "$EXE.part"
    mv "$EXE.part" "$EXE"
fi

# -- smoke tests ----------------------------------------------------------------------------------
TMP="$(mktemp -d)"
XVFB_PID=""
cleanup() { [[ -n "$XVFB_PID" ]] && kill "$XVFB_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
export FACEORGANIZER_HOME="$TMP/home"
SHARED="${FACEORGANIZER_SHARED:-$ROOT/../shared}/data/celebrities"
mkdir -p "$TMP/photos"
if [[ -d "$SHARED" ]]; then
    for f in couple.jpg img1.jpg img2.jpg; do cp "$SHARED/$f" "$TMP/photos/"; done
else
    echo "warning: $SHARED missing; scanning an empty folder" >&2
fi
"$EXE" --version
"$EXE" models verify
QT_QPA_PLATFORM=offscreen "$EXE" scan "$TMP/photos" --db "$TMP/library.db" --no-progress \
    | tee "$TMP/scan.txt"
grep -q "status=done" "$TMP/scan.txt"
if [[ -d "$SHARED" ]] && grep -q " faces=0 " "$TMP/scan.txt"; then
    echo "smoke test: no faces found: the models are not in the bundle?" >&2
    exit 1
fi

if [[ "$(uname -s)" == "Linux" ]]; then
    if command -v Xvfb >/dev/null 2>&1; then
        "$PY" "$ROOT/packaging/window_smoke.py" "$EXE" --runs 3
    elif [[ -n "${FACEORGANIZER_REQUIRE_WINDOW:-}" ]]; then
        echo "smoke test: Xvfb is missing (scripts/install-system-deps.sh installs it)" >&2
        exit 1
    else
        echo "warning: Xvfb missing: the window smoke test was skipped" >&2
    fi
    "$ROOT/packaging/make_archive.sh" "$APP"
fi
echo "build ok: $APP ($(du -sb "$APP" | awk '{printf "%.1f MiB", $1 / 1048576}')) in $((SECONDS - started)) s"
