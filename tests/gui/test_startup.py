"""Start-up: the window shows fast, before any model or heavy library is loaded."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from faceorganizer.gui.main_window import MainWindow

REPO = Path(__file__).resolve().parents[2]


def test_window_shows_fast_without_loading_models(tmp_path: Path) -> None:
    env = dict(os.environ, FACEORGANIZER_GUI_SMOKE="1", QT_QPA_PLATFORM="offscreen")
    env["FACEORGANIZER_HOME"] = str(tmp_path / "home")
    code = "from faceorganizer.__main__ import main; raise SystemExit(main([]))"
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("shown"))
    shown_after = time.monotonic() - start
    print(f"\nprocess start to window shown: {shown_after:.2f} s ({line})")
    assert proc.returncode == 0, proc.stderr
    assert "heavy=none" in line
    assert shown_after < 5.0


def test_first_run_shows_welcome_and_adding_a_folder_scans(
    qtbot: Any, settings: Any, fake_ask: Any, tmp_path: Path
) -> None:
    win = MainWindow(settings, fake_ask)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.ready, timeout=5000)
    assert win.stack.currentWidget() is win.welcome
    folder = tmp_path / "empty"
    folder.mkdir()
    fake_ask.folders.append(str(folder))
    win.welcome.button.click()
    assert win.folders == [str(folder)]
    assert win.stack.currentWidget() is win.people_view
    qtbot.waitUntil(lambda: win.last_summary is not None, timeout=20000)
    assert win.last_summary.seen == 0
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=5000)
    win.close()


def test_later_runs_reopen_the_library_and_honour_the_scan_setting(
    qtbot: Any, settings: Any, fake_ask: Any, tmp_path: Path
) -> None:
    settings.folders = [str(tmp_path)]
    settings.scan_on_start = False
    settings.sync()
    from faceorganizer.gui.settings import AppSettings, open_qsettings

    again = AppSettings(open_qsettings())
    assert again.folders == [str(tmp_path)] and again.scan_on_start is False
    win = MainWindow(again, fake_ask)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.ready, timeout=5000)
    assert win.stack.currentWidget() is win.people_view
    assert not win.scanning()
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=5000)
    win.close()


def test_missing_model_goes_to_the_problems_panel(
    qtbot: Any, settings: Any, fake_ask: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from tests.conftest import shared_set

    photos = tmp_path / "two"
    photos.mkdir()
    for src in sorted(shared_set("celebrities").glob("*.jpg"))[:2]:
        (photos / src.name).write_bytes(src.read_bytes())
    (photos / "broken.jpg").write_bytes(b"not a jpeg")
    monkeypatch.setenv("FACEORGANIZER_MODELS", str(tmp_path / "no-models"))
    settings.folders = [str(photos)]
    win = MainWindow(settings, fake_ask)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.errors.rowCount() > 0 and not win.scanning(), timeout=20000)
    entries = win.errors.entries()
    assert any(path == "(scan)" and "model pack" in reason for path, reason in entries)
    assert win.errors_dock.isVisible()
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=5000)
    win.close()


def test_scan_can_be_paused_and_cancelled(
    qtbot: Any, settings: Any, fake_ask: Any, celebrities_copy: Path
) -> None:
    settings.folders = [str(celebrities_copy)]
    win = MainWindow(settings, fake_ask)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.scan_bar.value() >= 2, timeout=30000)
    win.pause_button.click()
    assert win.pause_button.text() == "Resume"
    before = win.scan_bar.value()
    qtbot.wait(400)
    assert win.scan_bar.value() <= before + 1
    win.pause_button.click()
    win.cancel_button.click()
    qtbot.waitUntil(lambda: not win.scanning(), timeout=20000)
    assert win.last_summary is None  # a cancelled job delivers no result
    assert not win.scan_bar.isVisible()
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=5000)
    win.close()


def test_a_library_scanned_by_the_command_line_opens_with_its_folders(
    qtbot: Any, settings: Any, fake_ask: Any, tmp_path: Path
) -> None:
    """Issue 31, point 5: `scan FOLDER` then the window showed the welcome page."""
    from tests.conftest import shared_set

    photos = tmp_path / "cli photos"
    photos.mkdir()
    for src in sorted(shared_set("celebrities").glob("*.jpg"))[:3]:
        (photos / src.name).write_bytes(src.read_bytes())
    scan = subprocess.run(
        [sys.executable, "-m", "faceorganizer", "scan", str(photos), "--db", str(settings.db_path)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert scan.returncode == 0, scan.stderr
    settings.scan_on_start = False
    win = MainWindow(settings, fake_ask)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.ready, timeout=10000)
    assert win.stack.currentWidget() is win.people_view
    assert win.folders == [str(photos)]
    qtbot.waitUntil(lambda: win.people_model.rowCount() > 0, timeout=10000)
    win.open_settings()
    dialog = win.settings_dialog
    assert dialog.chosen_folders() == [str(photos)]
    assert dialog.folders_label.text() and dialog.folders_label.buddy() is dialog.folders
    dialog.reject()
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=5000)
    win.close()


def test_the_folder_list_of_the_settings_moves_into_the_library_once(
    qtbot: Any, settings: Any, fake_ask: Any, tmp_path: Path
) -> None:
    from faceorganizer.core.library import Library

    settings.folders = [str(tmp_path)]
    settings.scan_on_start = False
    win = MainWindow(settings, fake_ask)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.ready, timeout=5000)
    assert win.folders == [str(tmp_path)] and settings.folders == []
    assert Library(settings.db_path).folders() == [str(tmp_path)]
    # The Settings dialog edits the library's list.
    win.open_settings()
    win.settings_dialog.folders.clear()
    win.settings_dialog.accept()
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=5000)
    assert Library(settings.db_path).folders() == [] and win.folders == []
    win.close()
