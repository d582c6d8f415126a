"""The built bundle (packaging/build.sh): it opens its window on a desktop that lacks the xcb
libraries a fresh Debian may not have, and it groups as the development install does.

Building takes minutes and ~450 MB, so these run only when asked:

    FACEORGANIZER_TEST_BUNDLE=1 ./run-tests tests/packaging/test_bundle.py -s
        builds dist/faceorganizer with packaging/build.sh first
    FACEORGANIZER_TEST_BUNDLE=dist/faceorganizer ./run-tests tests/packaging/test_bundle.py -s
        uses a bundle that is already built
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ASKED = os.environ.get("FACEORGANIZER_TEST_BUNDLE", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ASKED, reason="set FACEORGANIZER_TEST_BUNDLE=1 to build and test"),
]


@pytest.fixture(scope="module")
def bundle() -> Path:
    if ASKED not in ("1", "yes", "true"):
        app = Path(ASKED).resolve()
    else:
        subprocess.run(
            ["bash", str(REPO / "packaging" / "build.sh")],
            cwd=REPO,
            check=True,
            env=dict(os.environ, PYTHON=os.environ.get("PYTHON", sys.executable)),
            timeout=3600,
        )
        app = REPO / "dist" / "faceorganizer"
    assert (app / "faceorganizer").is_file(), app
    return app


def test_every_bundled_library_resolves(bundle: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "check_libs.py"), str(bundle)],
        capture_output=True,
        text=True,
    )
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout
    assert "libxcb-icccm.so.4" in proc.stdout and "libxcb-keysyms.so.1" in proc.stdout


def test_window_opens_under_xvfb_with_xcb_without_the_system_xcb_extras(bundle: Path) -> None:
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb missing (scripts/install-system-deps.sh installs it)")
    cmd = [
        sys.executable,
        str(REPO / "packaging" / "window_smoke.py"),
        str(bundle / "faceorganizer"),
    ]
    if os.geteuid() == 0 and shutil.which("unshare"):
        cmd.append("--hide-system-libs")  # libxcb-icccm and -keysyms hidden from the bundle
    proc = subprocess.run(cmd + ["--runs", "3"], capture_output=True, text=True, timeout=300)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "window smoke test ok" in proc.stdout


def test_bundle_groups_the_celebrities_as_the_development_install(
    bundle: Path, tmp_path: Path
) -> None:
    from tests.conftest import shared_set

    photos = shared_set("celebrities")
    labels = photos / "labels.csv"
    out = {}
    for name, cmd in {
        "bundle": [str(bundle / "faceorganizer")],
        "dev": [sys.executable, "-m", "faceorganizer"],
    }.items():
        db = tmp_path / f"{name}.db"
        env = dict(os.environ, FACEORGANIZER_HOME=str(tmp_path / name), QT_QPA_PLATFORM="offscreen")
        if name == "bundle":
            env.pop("FACEORGANIZER_MODELS", None)  # the bundle's own model files
        subprocess.run(
            [*cmd, "scan", str(photos), "--db", str(db), "--no-progress"],
            env=env,
            check=True,
            capture_output=True,
            timeout=1200,
        )
        proc = subprocess.run(
            [*cmd, "eval", "--db", str(db), "--labels", str(labels)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        out[name] = proc.stdout
    print(out["bundle"])
    assert out["bundle"] == out["dev"]
