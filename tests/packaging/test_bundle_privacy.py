"""The bundle keeps the privacy promise at the process level, as the development install does
(``tests/reliability/test_process_privacy.py``, whose helpers these use): under ``strace -f``
from a fresh ``$HOME``, a scan long enough to meet onnxruntime's telemetry, ``find``,
``compare`` and the window on a photo reach no AF_INET/AF_INET6 address (not even DNS) and
leave nothing in ``$HOME`` outside the data folder. Only when asked:

    FACEORGANIZER_TEST_BUNDLE=dist/faceorganizer \
        ./run-tests tests/packaging/test_bundle_privacy.py -s
        (FACEORGANIZER_TEST_BUNDLE=1: dist/faceorganizer, built by packaging/build.sh if missing)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_set
from tests.journey.xdisplay import xcb_env, xvfb
from tests.reliability.test_process_privacy import (
    SCAN_SECONDS,
    WINDOW_SECONDS,
    assert_private,
    fresh_env,
    traced,
)

REPO = Path(__file__).resolve().parents[2]
ASKED = os.environ.get("FACEORGANIZER_TEST_BUNDLE", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(3600),
    pytest.mark.skipif(not ASKED, reason="set FACEORGANIZER_TEST_BUNDLE to test the bundle"),
]


@pytest.fixture(scope="module")
def program() -> list[str]:
    """The bundle's executable."""
    if ASKED not in ("1", "yes", "true"):
        app = Path(ASKED).resolve()
    else:
        app = REPO / "dist" / "faceorganizer"
        if not (app / "faceorganizer").is_file():
            subprocess.run(
                ["bash", str(REPO / "packaging" / "build.sh")],
                cwd=REPO,
                check=True,
                env=dict(os.environ, PYTHON=os.environ.get("PYTHON", sys.executable)),
                timeout=3600,
            )
    exe = app / "faceorganizer"
    assert exe.is_file(), exe
    return [str(exe)]


def _bundle_env(home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """A fresh home, and nothing of the development environment leaking into the bundle."""
    env = fresh_env(home, base)
    for key in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(key, None)
    return env


def test_bundle_scan_find_and_compare_stay_on_the_machine(
    program: list[str], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = _bundle_env(home)
    db = home / "data" / "library.db"
    scan = traced([*program, "scan", str(shared_set("lfw-fold1")), "--no-group"],
                  env, home, tmp_path / "scan.strace", seconds=SCAN_SECONDS)  # fmt: skip
    assert "summary:" in scan.stdout, scan.stderr[-3000:]
    assert_private(f"bundle scan ({SCAN_SECONDS:.0f} s)", scan)
    photo_a = shared_set("celebrities") / "img2.jpg"
    photo_b = shared_set("celebrities") / "img5.jpg"
    find = traced([*program, "find", str(photo_a), "--db", str(db)],
                  env, home, tmp_path / "find.strace")  # fmt: skip
    assert find.returncode == 0, find.stderr[-3000:]
    assert_private("bundle find", find)
    compare = traced([*program, "compare", str(photo_a), str(photo_b)],
                     env, home, tmp_path / "compare.strace")  # fmt: skip
    assert compare.returncode == 0, compare.stderr[-3000:]
    assert_private("bundle compare", compare)


def test_bundle_window_on_a_photo_stays_on_the_machine(program: list[str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    photo = shared_set("celebrities") / "img2.jpg"
    with xvfb() as display:
        env = _bundle_env(home, xcb_env(display, home / "data"))
        runtime = tmp_path / "runtime"
        runtime.mkdir(mode=0o700)
        env["XDG_RUNTIME_DIR"] = str(runtime)
        window = traced([*program, str(photo)], env, home, tmp_path / "window.strace",
                        seconds=WINDOW_SECONDS)  # fmt: skip
    assert "Traceback" not in window.stderr, window.stderr[-3000:]
    assert_private(f"bundle window on a photo ({WINDOW_SECONDS:.0f} s)", window)
