"""The program's entry point: photos as arguments, platform fallback, start-up errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import faceorganizer.__main__ as entry

REPO = Path(__file__).resolve().parents[2]


def test_command_names_come_from_the_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = entry.command_names()
    assert {"scan", "people", "eval", "models"} <= names
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scan").write_bytes(b"x")  # a file named like a command stays the command
    assert entry.photo_arguments(["scan"]) == []


def test_photos_as_arguments_are_not_a_command_line(tmp_path: Path) -> None:
    photo = tmp_path / "img 2.jpg"
    photo.write_bytes(b"x")
    other = tmp_path / "b.png"
    other.write_bytes(b"x")
    assert entry.photo_arguments([str(photo)]) == [str(photo)]
    assert entry.photo_arguments([str(photo), other.as_uri()]) == [str(photo), str(other)]
    assert entry.photo_arguments(["scan", str(tmp_path)]) == []
    assert entry.photo_arguments(["--version"]) == []
    assert entry.photo_arguments([str(photo), str(tmp_path / "missing.jpg")]) == []
    assert entry.photo_arguments([str(tmp_path)]) == []  # a folder is not a photo


def test_a_photo_argument_opens_the_window_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = tmp_path / "img2.jpg"
    photo.write_bytes(b"x")
    seen: list[list[str] | None] = []
    monkeypatch.setattr(entry, "main_gui", lambda photos=None: seen.append(photos) or 0)
    assert entry.main([str(photo)]) == 0
    assert seen == [[str(photo)]]


def test_platform_falls_back_between_wayland_and_xcb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    env = {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}
    entry.choose_platform(env)
    assert env["QT_QPA_PLATFORM"] == "wayland;xcb"
    env = {"DISPLAY": ":0"}
    entry.choose_platform(env)
    assert env["QT_QPA_PLATFORM"] == "xcb;wayland"
    env = {"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}
    entry.choose_platform(env)
    assert env["QT_QPA_PLATFORM"] == "offscreen"  # the user's choice stands


def test_start_up_failure_is_logged_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("FACEORGANIZER_HOME", str(home))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    import faceorganizer.gui.app as app

    def broken(**_kwargs: object) -> int:
        raise RuntimeError("the window could not be built")

    monkeypatch.setattr(app, "run_app", broken)
    assert entry.main_gui() == 1
    log = (home / entry.LOG_NAME).read_text(encoding="utf-8")
    assert "start-up failed: RuntimeError: the window could not be built" in log
    assert "Traceback" in log


def test_no_display_is_a_clear_message_not_an_abort(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env.update(FACEORGANIZER_HOME=str(tmp_path / "home"), PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-m", "faceorganizer"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "no display" in proc.stderr
    assert "no display" in (tmp_path / "home" / entry.LOG_NAME).read_text(encoding="utf-8")


def test_run_app_looks_up_the_photo_given_once_the_library_is_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp: object
) -> None:
    """``faceorganizer photo.jpg`` (Open with / %F): the window asks who is in the photo."""
    from PySide6.QtWidgets import QApplication

    import faceorganizer.gui.app as app
    from faceorganizer.gui.main_window import MainWindow

    photo = tmp_path / "img2.jpg"
    photo.write_bytes(b"x")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("FACEORGANIZER_GUI_SMOKE", raising=False)
    asked: list[tuple[str, bool]] = []

    def find_by_photo(self: MainWindow, path: str | None = None) -> None:
        asked.append((str(path), self.ready))
        self.close()
        QApplication.quit()

    monkeypatch.setattr(MainWindow, "find_by_photo", find_by_photo)
    assert app.run_app(photos=[str(photo)]) == 0
    assert asked == [(str(photo), True)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 platform")
def test_qt_abort_at_start_up_leaves_its_cause_in_the_log(tmp_path: Path) -> None:
    """Qt aborts (no Python exception) when its platform cannot start: the log keeps why."""
    env = dict(os.environ, DISPLAY=":7321", QT_QPA_PLATFORM="xcb", PYTHONPATH=str(REPO))
    env["FACEORGANIZER_HOME"] = str(tmp_path / "home")
    proc = subprocess.run(
        [sys.executable, "-m", "faceorganizer"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0
    log = (tmp_path / "home" / entry.LOG_NAME).read_text(encoding="utf-8")
    assert "start-up failed" in log and "could not connect to display :7321" in log
