"""The window opens whole on small screens and carries its icon (issue 27, 6)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QRect, QSize

from faceorganizer.gui import app


@pytest.mark.parametrize(
    ("free", "expected"),
    [
        # a 1366x768 laptop with a 32 px panel: 80 % of it, centred
        (QRect(0, 32, 1366, 736), QRect(137, 106, 1092, 588)),
        # a large screen: at most 1280 x 800
        (QRect(0, 0, 2560, 1400), QRect(640, 300, 1280, 800)),
        # a second screen to the right
        (QRect(1920, 0, 1920, 1050), QRect(2240, 125, 1280, 800)),
    ],
)
def test_the_window_fits_the_screen(free: QRect, expected: QRect) -> None:
    got = app.fit_geometry(free, QSize(640, 420))
    assert got == expected
    assert free.contains(got)


def test_the_layout_minimum_wins_over_the_share_but_never_over_the_screen() -> None:
    assert app.fit_geometry(QRect(0, 0, 800, 600), QSize(700, 500)).size() == QSize(700, 500)
    assert app.fit_geometry(QRect(0, 0, 640, 480), QSize(700, 500)).size() == QSize(640, 480)


def test_the_real_window_opens_inside_the_free_area_of_a_1366x768_screen(
    qapp: Any, tmp_path: Any
) -> None:
    from PySide6.QtCore import QSettings

    from faceorganizer.gui.main_window import MainWindow
    from faceorganizer.gui.settings import AppSettings

    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=AppSettings(store), autostart=False)
    try:
        need = window.minimumSizeHint()
        free = QRect(0, 32, 1366, 736)
        got = app.fit_geometry(free, need)
        assert free.contains(got), (need, got)  # the layout fits a 1366x768 screen
        window.setGeometry(app.initial_geometry(window))
        screen = window.screen().availableGeometry()
        assert window.width() <= screen.width() and window.height() <= screen.height()
    finally:
        window.close()
        window.deleteLater()
        qapp.processEvents()


def test_the_window_icon_has_every_size(qapp: Any) -> None:
    icon = app.window_icon()
    sizes = {s.width() for s in icon.availableSizes()}
    assert {16, 32, 48, 64, 128, 256} <= sizes, sizes
