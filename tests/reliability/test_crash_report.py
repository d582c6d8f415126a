"""If the window dies, the user learns why (issue 24): faulthandler writes to the log in the
data folder, and the next start says the last session ended abnormally and where the log is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from faceorganizer import crashlog

CRASH = (
    "import faulthandler, sys\n"
    "from pathlib import Path\n"
    "from faceorganizer import crashlog\n"
    "crashlog.begin(Path(sys.argv[1]))\n"
    "faulthandler._sigsegv()\n"
)

pytestmark = pytest.mark.timeout(120)


def _crash(log: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CRASH, str(log)], capture_output=True, text=True, timeout=60
    )


def test_a_crash_is_logged_and_the_next_window_says_so(tmp_path: Path) -> None:
    home = tmp_path / "data"
    log = home / "faceorganizer.log"
    crashed = _crash(log)
    assert crashed.returncode == -signal.SIGSEGV, crashed.stderr
    text = log.read_text()
    assert "session started" in text
    assert "Fatal Python error: Segmentation fault" in text
    assert "most recent call first" in text  # the traceback, for whoever reads the log

    env = dict(os.environ, FACEORGANIZER_HOME=str(home), QT_QPA_PLATFORM="offscreen",
               FACEORGANIZER_GUI_SMOKE="1")  # fmt: skip
    start = subprocess.run(
        [sys.executable, "-m", "faceorganizer"], env=env, capture_output=True, text=True,
        timeout=90,
    )  # fmt: skip
    assert start.returncode == 0, start.stderr[-3000:]
    assert "shown" in start.stdout
    told = [ln for ln in start.stderr.splitlines() if "ended abnormally" in ln]
    assert told, start.stderr[-3000:]
    assert "Segmentation fault" in start.stderr and str(log) in start.stderr
    # told once; the window that just closed normally left nothing to report
    assert crashlog.abnormal_end(log) is None


def test_a_session_still_running_is_not_reported(tmp_path: Path) -> None:
    log = tmp_path / "faceorganizer.log"
    (tmp_path / crashlog.SESSIONS).mkdir()
    marker = tmp_path / crashlog.SESSIONS / f"{os.getppid()}.running"
    marker.write_text(f"pid={os.getppid()}\nstarted=now\noffset=0\n")
    assert crashlog.abnormal_end(log) is None
    assert marker.exists()


def test_the_notice_is_a_message_box_over_the_window(qtbot: Any) -> None:
    from PySide6.QtWidgets import QMainWindow, QMessageBox

    from faceorganizer.gui.app import show_notice

    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    box = show_notice(window, "The last FaceOrganizer session ended abnormally.\nWhat it wrote")
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "ended abnormally" in box.text()
    assert window.isEnabled()  # not modal: the window stays usable
    box.close()
