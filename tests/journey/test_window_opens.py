"""``./run`` with no arguments opens a window: the real entry point under Xvfb with Qt's xcb."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.journey.xdisplay import need_program, xcb_env, xvfb

pytestmark = pytest.mark.timeout(120)


def _entry_point() -> list[str]:
    """The installed ``faceorganizer`` script (what ``./run`` execs), else ``-m faceorganizer``."""
    script = Path(sys.executable).parent / "faceorganizer"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "faceorganizer"]


def _windows(display: str, xwininfo: str) -> str:
    env = dict(os.environ, DISPLAY=display)
    proc = subprocess.run(
        [xwininfo, "-root", "-tree"], env=env, capture_output=True, text=True, timeout=10
    )
    return proc.stdout


def test_faceorganizer_without_arguments_opens_a_window(tmp_path: Path) -> None:
    xwininfo = need_program("xwininfo")
    home = tmp_path / "home"
    home.mkdir()
    with xvfb() as display:
        env = xcb_env(display, home)
        app = subprocess.Popen(
            _entry_point(),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            start = time.monotonic()
            shown = ""
            while time.monotonic() - start < 30 and app.poll() is None:
                tree = _windows(display, xwininfo)
                # a mapped top-level window of some size, titled FaceOrganizer
                titled = [ln for ln in tree.splitlines() if '"FaceOrganizer"' in ln]
                shown = next((ln for ln in titled if "1x1+" not in ln), "")
                if shown:
                    break
                time.sleep(0.2)
            took = time.monotonic() - start
            alive = app.poll() is None
        finally:
            app.terminate()
            try:
                out, err = app.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                app.kill()
                out, err = app.communicate()
    assert alive, f"faceorganizer exited with {app.returncode}:\n{err[-3000:]}"
    assert shown, f"no FaceOrganizer window on {display} after {took:.1f} s:\n{err[-3000:]}"
    print(f"\nwindow on the X display after {took:.2f} s: {shown.strip()}")
    assert "This application failed to start" not in err
