"""``run_app()``: the QApplication and the main window. Models load later, in workers."""

from __future__ import annotations

import os
import sys
import time

_T0 = time.monotonic()


def run_app(argv: list[str] | None = None) -> int:
    """Open the window and run the event loop; returns the exit code.

    ``$FACEORGANIZER_GUI_SMOKE=1`` closes the window as soon as it is shown and prints
    ``shown <seconds>`` and which heavy modules were loaded by then (start-up checks).
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
    if smoke:

        def report() -> None:
            heavy = [m for m in ("onnxruntime", "cv2", "sklearn", "hdbscan") if m in sys.modules]
            line = f"shown {time.monotonic() - _T0:.3f} heavy={','.join(heavy) or 'none'}\n"
            sys.stdout.write(line)
            sys.stdout.flush()
            window.close()

        QTimer.singleShot(0, report)
    return int(app.exec())
