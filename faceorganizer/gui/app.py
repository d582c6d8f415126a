"""``run_app()``: the QApplication and the main window. Models load later, in workers."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

_T0 = time.monotonic()


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

    from faceorganizer.core.settings import APP_NAME

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)

    from faceorganizer.gui.main_window import MainWindow

    smoke = bool(os.environ.get("FACEORGANIZER_GUI_SMOKE"))
    window = MainWindow(autostart=not smoke)
    window.resize(1280, 800)
    window.show()
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
    return int(app.exec())


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
