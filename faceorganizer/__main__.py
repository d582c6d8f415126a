"""``faceorganizer``: no arguments opens the window, photos as arguments open them in the
window ("who is in this photo?"), anything else is the command line."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

LOG_NAME = "faceorganizer.log"


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    multiprocessing.freeze_support()  # a frozen bundle's scan process starts here (no-op else)
    args = sys.argv[1:] if argv is None else argv
    if not args:
        return main_gui()
    photos = photo_arguments(args)
    if photos:
        return main_gui(photos)
    from faceorganizer.cli.main import run

    return run(args)


def photo_arguments(args: list[str]) -> list[str]:
    """The photos when every argument is an existing file (``%F`` from a desktop entry, a
    ``file://`` URI, or a path); empty when the arguments are a command line: an option or a
    sub-command name first is never taken for a photo, even where a file has that name."""
    if not args or args[0].startswith("-"):
        return []
    paths = []
    for arg in args:
        path = arg
        if arg.startswith("file://"):
            from urllib.parse import unquote, urlparse

            path = unquote(urlparse(arg).path)
        if not os.path.isfile(path):
            return []
        paths.append(os.path.abspath(path))
    if args[0] in command_names():
        return []
    return paths


def command_names() -> set[str]:
    """The command line's sub-commands."""
    from faceorganizer.cli.main import build_parser

    for action in build_parser()._actions:
        if action.dest == "command" and isinstance(action.choices, dict):
            return set(action.choices)
    return set()


def choose_platform(env: MutableMapping[str, str] | None = None) -> None:
    """Let Qt fall back between Wayland and X11 (xcb) when the user did not choose.

    Qt tries the platforms of a ``;``-separated ``QT_QPA_PLATFORM`` in order, so a session
    whose Wayland plugin cannot start still gets the window through XWayland, and the other
    way round. An explicit ``QT_QPA_PLATFORM`` is left alone.
    """
    env = os.environ if env is None else env
    if env.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return
    wayland = bool(env.get("WAYLAND_DISPLAY")) or env.get("XDG_SESSION_TYPE") == "wayland"
    x11 = bool(env.get("DISPLAY"))
    if wayland:
        env["QT_QPA_PLATFORM"] = "wayland;xcb"
    elif x11:
        env["QT_QPA_PLATFORM"] = "xcb;wayland"


def log_path() -> Path:
    """The start-up log in the data folder."""
    from faceorganizer.core.settings import data_dir

    return data_dir() / LOG_NAME


def write_log(text: str) -> Path | None:
    """Append ``text`` with a time stamp to the log in the data folder; its path, or None."""
    try:
        path = log_path()
        # the data folder holds the library: user-only, like the folder the database makes
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with open(fd, "a", encoding="utf-8") as fh:
            fh.write(f"{stamp} {text.rstrip()}\n")
        return path
    except OSError:
        return None


def _has_display() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith(("offscreen", "minimal")):
        return False
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _show_error(text: str) -> None:
    """A message box with ``text`` where a display exists (never raises)."""
    if not _has_display():
        return
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox

        app = QApplication.instance() or QApplication([sys.argv[0]])
        assert app is not None
        QMessageBox.critical(None, "FaceOrganizer could not start", text)
        from faceorganizer.gui.app import note_launcher

        note_launcher("error shown")  # the Linux launcher need not show it again
    except Exception:  # noqa: BLE001 - the log and stderr already have the error
        return


def _install_qt_fatal_log() -> None:
    """Keep Qt's own fatal start-up messages (a platform plugin that cannot load aborts the
    process before Python sees an exception) in the log too, with the warnings before them
    (they name the cause, e.g. "could not connect to display"); output is unchanged."""
    try:
        from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    except ImportError:
        return
    from collections import deque

    recent: deque[str] = deque(maxlen=12)

    def handler(kind: Any, _context: Any, message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        if kind != QtMsgType.QtFatalMsg:
            recent.append(message)
            return
        hint = ""
        if "platform plugin" in message:
            hint = "\n(QT_DEBUG_PLUGINS=1 names a library that is missing)"
        before = "".join(f"Qt: {line}\n" for line in recent)
        write_log(f"start-up failed: {before}Qt: {message}{hint}")

    qInstallMessageHandler(handler)


def main_gui(photos: list[str] | None = None) -> int:
    """GUI entry point: the window, with ``photos`` opened in it.

    A failure to start is written to ``faceorganizer.log`` in the data folder and shown in a
    message box where a display exists; so is a fatal error later (``crashlog``), which the
    next start reports.
    """
    choose_platform()
    if not _has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        text = (
            "no display: the window needs a graphical desktop (DISPLAY or WAYLAND_DISPLAY); "
            "the command line works without one: faceorganizer --help"
        )
        sys.stderr.write(f"faceorganizer: {text}\n")
        write_log(f"start-up failed: {text}")
        return 2
    _install_qt_fatal_log()
    from faceorganizer import crashlog

    notice = crashlog.begin(log_path())  # faulthandler into the log; did the last one crash?
    if notice:
        sys.stderr.write(f"faceorganizer: {notice}\n")
    try:
        from faceorganizer.gui.app import run_app

        return int(run_app(photos=photos or [], notice=notice))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - reported, then a clean exit status
        detail = "".join(traceback.format_exception(exc))
        where = write_log(f"start-up failed: {type(exc).__name__}: {exc}\n{detail}")
        sys.stderr.write(detail)
        text = f"{type(exc).__name__}: {exc}"
        if where is not None:
            text += f"\n\nThe details are in {where}"
        sys.stderr.write(f"faceorganizer: could not start: {text}\n")
        _show_error(text)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
