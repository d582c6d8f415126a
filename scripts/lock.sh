#!/usr/bin/env bash
# Make the locked dependency set again from pyproject.toml's ranges: requirements.txt (what the
# program runs with; packaging/build.sh) and requirements-dev.txt (that plus the test and build
# tools; ./run, ./run-tests and CI). Every package pinned with its sha256, for CPython 3.11 on
# Linux. Uses uv's pip-compatible resolver (fast, writes pip-tools' format that plain pip reads).
#
#   scripts/lock.sh              resolve again, keeping every pin that still satisfies the ranges
#   scripts/lock.sh --upgrade    take the newest releases the ranges allow
#   scripts/lock.sh --upgrade-package NAME   take the newest NAME only
#
# An upgrade is a reviewed change: after the lock is written this script installs the new set
# into a fresh .venv and runs the checks that would catch a release misbehaving (see below).
set -euo pipefail
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
