"""``run_app()``: the QApplication and the main window. Models load later, in workers."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

_T0 = time.monotonic()
SCREEN_SHARE = 0.8
MAX_WIDTH, MAX_HEIGHT = 1280, 800
ICON_SIZES = (16, 32, 48, 64, 128, 256)


def run_app(
    argv: list[str] | None = None, photos: list[str] | None = None, notice: str | None = None
) -> int:
    """Open the window and run the event loop; returns the exit code.

    ``photos`` (from the command line, e.g. "Open with" a desktop entry's ``%F``) are looked
    up once the library is open: who is in the first one (the rest are logged as skipped).
    ``notice`` (the last session ended abnormally: ``crashlog``) is shown in a message box over
    the window once it is on screen.

    ``$FACEORGANIZER_GUI_SMOKE=1`` closes the window as soon as it is on screen (exposed) and
    prints ``shown <seconds>``, which heavy modules were loaded by then, Qt's platform and the
    wall-clock time (``epoch=``) for a caller that times from process start (start-up checks).
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    # the data folder before the use cases: a second start hands its photos to the first and
    # exits before importing them (core.library loads numpy: 0.5-2 s); the one exception to
    # "below core.library only the records" (pyproject.toml)
    from faceorganizer.core.settings import APP_NAME, data_dir
    from faceorganizer.gui import single_instance

    smoke = bool(os.environ.get("FACEORGANIZER_GUI_SMOKE"))
    # One window per user and library: a later start hands its photos over and ends here,
    # before it opens the database or scans.
    claimed = single_instance.claim(data_dir(), list(photos or []))
    if not claimed.first:
        return 0
    keep_qt_settings_in(data_dir())
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("faceorganizer")  # Wayland's app id: the menu entry and its icon
    icon = window_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)

    from faceorganizer.gui.main_window import MainWindow

    window = MainWindow(autostart=not smoke)
    window.setGeometry(initial_geometry(window))
    window.show()
    note_launcher("window")
    listener = single_instance.Listener(
        claimed, lambda more: _photos_from_another_start(window, more), window
    )
    if photos:
        _open_photos_when_ready(window, photos)
    if notice:
        QTimer.singleShot(0, lambda: show_notice(window, notice))
    if smoke:

        def report() -> None:
            handle = window.windowHandle()
            if handle is not None and not handle.isExposed() and time.monotonic() - _T0 < 30:
                QTimer.singleShot(5, report)  # mapped but not yet on screen
                return
            heavy = [m for m in ("onnxruntime", "cv2", "sklearn", "hdbscan") if m in sys.modules]
            line = (
                f"shown {time.monotonic() - _T0:.3f} heavy={','.join(heavy) or 'none'} "
                f"platform={app.platformName()} epoch={time.time():.3f}\n"
            )
            sys.stdout.write(line)
            sys.stdout.flush()
            window.close()

        QTimer.singleShot(0, report)
    try:
        return int(app.exec())
    finally:
        listener.close()


def keep_qt_settings_in(folder: Path) -> None:
    """Qt's own settings files go to ``folder``/qt, not the user's ~/.config.

    QFileDialog remembers its last folder in Qt's organisation "QtProject"
    (``~/.config/QtProject.conf``): a file outside the data folder, written whenever the user
    picks a folder. Every user-scope QSettings made by organisation name now lives in the data
    folder; the window's own settings name their file (``gui/settings.open_qsettings``), so
    they stay where they always were.
    """
    from PySide6.QtCore import QSettings

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder / "qt"))


def _photos_from_another_start(window: Any, photos: list[str]) -> None:
    """A later start (``faceorganizer photo.jpg`` while the window is open): bring the window
    up, and look up who is in the first photo."""
    if window.isMinimized():
        window.showNormal()
    window.raise_()
    window.activateWindow()
    if photos:
        _open_photos_when_ready(window, photos)


def initial_geometry(window: Any) -> Any:
    """Where the window opens: 80 % of the screen's free area, at most 1280 x 800, at least
    what its layout needs (never more than the free area), centred."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QGuiApplication

    screen = window.screen() or QGuiApplication.primaryScreen()
    free = screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)
    return fit_geometry(free, window.minimumSizeHint())


def fit_geometry(free: Any, minimum: Any) -> Any:
    """``initial_geometry`` for a free screen area ``free`` (QRect) and the layout's minimum
    ``minimum`` (QSize)."""
    from PySide6.QtCore import QRect

    width = min(MAX_WIDTH, int(free.width() * SCREEN_SHARE))
    height = min(MAX_HEIGHT, int(free.height() * SCREEN_SHARE))
    width = min(max(width, minimum.width()), free.width())
    height = min(max(height, minimum.height()), free.height())
    left = free.x() + (free.width() - width) // 2
    top = free.y() + (free.height() - height) // 2
    return QRect(left, top, width, height)


def window_icon() -> Any:
    """The program's icon at every size shipped (``resources/icons``): the window and the task
    bar pick the size they draw."""
    from PySide6.QtGui import QIcon

    icon = QIcon()
    folder = resources_dir() / "icons"
    for size in ICON_SIZES:
        png = folder / f"faceorganizer-{size}.png"
        if png.is_file():
            icon.addFile(str(png))
    svg = folder / "faceorganizer.svg"
    if svg.is_file():
        icon.addFile(str(svg))
    return icon


def resources_dir() -> Path:
    """``resources/``: in the bundle beside the models (``sys._MEIPASS``), else the
    repository's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def note_launcher(state: str) -> None:
    """Tell the Linux launcher (packaging/launcher.sh) how far start-up came ("window", or
    "error shown" after a message box), so it reports only what the user has not seen."""
    path = os.environ.get("FACEORGANIZER_LAUNCHER_STATE")
    if not path:
        return
    import contextlib

    with contextlib.suppress(OSError):
        Path(path).write_text(state, encoding="utf-8")


def _open_photos_when_ready(window: Any, photos: list[str]) -> None:
    """Look up who is in the first photo ("find by photo") once the library is open."""
    import logging

    from PySide6.QtCore import QTimer

    if len(photos) > 1:
        logging.getLogger(__name__).info("opening %s; %d more skipped", photos[0], len(photos) - 1)

    def attempt() -> None:
        if getattr(window, "ready", True):
            window.find_by_photo(photos[0])
        else:
            QTimer.singleShot(50, attempt)

    QTimer.singleShot(0, attempt)


def show_notice(window: Any, text: str) -> Any:
    """A message box over ``window`` with ``text``, not blocking it; returns the box."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, "FaceOrganizer", text, parent=window)
    box.setObjectName("abnormalEndNotice")
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box
