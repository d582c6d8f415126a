#!/usr/bin/env bash
# Make the locked dependency set again from pyproject.toml's ranges: requirements.txt (what the
# program runs with; packaging/build.sh) and requirements-dev.txt (that plus the test and build
# tools; ./run, ./run-tests and CI). Every package pinned with its sha256, for CPython 3.11 on
# Linux. Uses uv's pip-compatible resolver (fast, writes pip-tools' format that plain pip reads).
#
#   scripts/lock.sh              resolve again, keeping every pin that still satisfies the ranges
#   scripts/lock.sh --upgrade    take the newest releases the ranges allow
#   scripts/lock.sh --upgrade-package NAME   take the newest NAME only
#   scripts/lock.sh --no-check   write the lock only (the checks below are skipped)
#
# An upgrade is a reviewed change: after the lock is written this script installs the new set
# into a throw-away virtual environment (never .venv) and runs there the checks that would
# catch a release misbehaving: the Qt binding's reference counts (tests/reliability/
# test_binding_refcount.py), the process-level privacy tests (no network, nothing in $HOME:
# test_process_privacy.py, test_no_network.py), the crash report, and the window's soak test
# ($LOCK_SOAK_SECONDS, default 60). It ends with a verdict line and exits non-zero when a check
# fails: then keep the old lock (git checkout requirements*.txt) or exclude the bad release in
# pyproject.toml and lock again.
set -euo pipefail
check=1
args=()
for arg in "$@"; do
  if [ "$arg" = "--no-check" ]; then check=0; else args+=("$arg"); fi
done
set -- ${args[@]+"${args[@]}"}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
py_version=3.11
uv_cmd=(uv)
command -v uv >/dev/null 2>&1 || uv_cmd=(python3 -m uv)
"${uv_cmd[@]}" --version >/dev/null 2>&1 || python3 -m pip install -q uv
common=(--python-version "$py_version" --generate-hashes --no-header -q
        --index-url https://pypi.org/simple --custom-compile-command scripts/lock.sh "$@")
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
# The project is built by pip itself (-e . without build isolation), so its build backend is
# locked with the rest.
echo 'setuptools>=77' > "$tmp/build.in"
cp requirements.txt requirements-dev.txt "$tmp/" 2>/dev/null || true
"${uv_cmd[@]}" pip compile pyproject.toml "${common[@]}" -o requirements.txt
"${uv_cmd[@]}" pip compile pyproject.toml "$tmp/build.in" --extra dev --extra models \
    "${common[@]}" -o requirements-dev.txt
sed -i "s|$tmp/build.in|setuptools>=77 (scripts/lock.sh)|" requirements-dev.txt
for f in requirements.txt requirements-dev.txt; do
  echo "== $f: what changed"
  diff <(grep -E '^[A-Za-z0-9_.-]+==' "$tmp/$f" 2>/dev/null | sed 's/ .*//') \
       <(grep -E '^[A-Za-z0-9_.-]+==' "$f" | sed 's/ .*//') | grep -E '^[<>]' || echo "   nothing"
done

[ "$check" = 1 ] || { echo "verdict: not checked (--no-check)"; exit 0; }

# -- the checks, against the new set in a throw-away environment -----------------------------
venv="$tmp/venv"
echo "== installing the locked set into $venv"
"${uv_cmd[@]}" venv -q --python "$py_version" "$venv"
"${uv_cmd[@]}" pip install -q --python "$venv/bin/python" --require-hashes -r requirements-dev.txt
"${uv_cmd[@]}" pip install -q --python "$venv/bin/python" --no-deps --no-build-isolation -e .
"$venv/bin/python" -m faceorganizer.core.models.fetch >/dev/null
"$venv/bin/python" -c 'import PySide6, onnxruntime; print("   PySide6", PySide6.__version__, "onnxruntime", onnxruntime.__version__)'
checks=(tests/reliability/test_binding_refcount.py tests/reliability/test_process_privacy.py
        tests/reliability/test_no_network.py tests/reliability/test_crash_report.py
        tests/journey/test_soak.py)
echo "== checks: ${checks[*]}"
status=0
QT_QPA_PLATFORM=offscreen FACEORGANIZER_SOAK_SECONDS="${LOCK_SOAK_SECONDS:-60}" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider -rfEs "${checks[@]}" || status=$?
if [ "$status" = 0 ]; then
  echo "verdict: GOOD: the locked set passes the binding, privacy, crash-report and soak checks"
else
  echo "verdict: BAD: a check failed with the locked set (pytest exit $status); do not commit" \
       "this lock: git checkout requirements.txt requirements-dev.txt, or exclude the release" \
       "in pyproject.toml and lock again"
fi
exit "$status"
