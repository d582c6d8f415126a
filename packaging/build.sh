#!/usr/bin/env bash
# Build the one-folder FaceOrganizer program with PyInstaller, then smoke-test it.
#
#   packaging/build.sh            use $PYTHON (default .venv/bin/python, else python3) and its
#                                 packages; PyInstaller goes to build/pyinstaller-tools, so the
#                                 environment itself is not changed
#   packaging/build.sh --fresh    make build/venv, pip install the project and PyInstaller there
#
# Output: dist/faceorganizer/. Exit status is non-zero when the build or the smoke test fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYI_VERSION="${PYI_VERSION:-pyinstaller>=6.5}"

if [[ "${1:-}" == "--fresh" ]]; then
    python3 -m venv build/venv
    PY="$ROOT/build/venv/bin/python"
    "$PY" -m pip install --upgrade pip
    "$PY" -m pip install "$ROOT" "$PYI_VERSION"
    RUN=("$PY" -m PyInstaller)
else
    if [[ -n "${PYTHON:-}" ]]; then PY="$PYTHON"
    elif [[ -x "$ROOT/.venv/bin/python" ]]; then PY="$ROOT/.venv/bin/python"
    else PY="$(command -v python3)"; fi
    TOOLS="$ROOT/build/pyinstaller-tools"
    if [[ ! -d "$TOOLS/PyInstaller" ]]; then
        "$PY" -m pip install --quiet --target "$TOOLS" "$PYI_VERSION"
    fi
    RUN=(env "PYTHONPATH=$TOOLS${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m PyInstaller)
fi

"${RUN[@]}" --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
    "$ROOT/packaging/faceorganizer.spec"

# -- smoke test ---------------------------------------------------------------------------------
EXE="$ROOT/dist/faceorganizer/faceorganizer"
[[ -x "$EXE" ]] || EXE="$EXE.exe"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
export QT_QPA_PLATFORM=offscreen FACEORGANIZER_HOME="$TMP/home"
SHARED="${FACEORGANIZER_SHARED:-$ROOT/../shared}/data/celebrities"
mkdir -p "$TMP/photos"
if [[ -d "$SHARED" ]]; then
    for f in couple.jpg img1.jpg img2.jpg; do cp "$SHARED/$f" "$TMP/photos/"; done
else
    echo "warning: $SHARED missing; scanning an empty folder" >&2
fi
"$EXE" --version
"$EXE" models list >/dev/null 2>&1 || true
"$EXE" scan "$TMP/photos" --db "$TMP/library.db" --no-progress | tee "$TMP/scan.txt"
grep -q "status=done" "$TMP/scan.txt"
if [[ -d "$SHARED" ]] && grep -q " faces=0 " "$TMP/scan.txt"; then
    echo "smoke test: no faces found: the models are not in the bundle?" >&2
    exit 1
fi
echo "build ok: $ROOT/dist/faceorganizer ($(du -sh "$ROOT/dist/faceorganizer" | cut -f1))"
