"""Dialogs wide enough for their title: the window manager shows "TITLE — FaceOrganizer" in
the title bar and elides what does not fit ("Merge peop…ceOrganizer", issue 31)."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QWidget

TITLE_BAR_EXTRA = 160  # the title bar's buttons and margins, in pixels
TITLE_FONT_SCALE = 1.15  # title bars often use a larger or bold font


def full_title(widget: QWidget) -> str:
    """The title as a title bar shows it (Qt appends the application's display name)."""
    title = widget.windowTitle()
    app = QGuiApplication.applicationDisplayName()
    return f"{title} — {app}" if app and app != title else title


def title_width(widget: QWidget) -> int:
    """The width the widget needs for its whole title in the title bar."""
    font = widget.font()
    font.setBold(True)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * TITLE_FONT_SCALE)
    return QFontMetrics(font).horizontalAdvance(full_title(widget)) + TITLE_BAR_EXTRA


def fit_title(widget: QWidget) -> None:
    """Make the dialog at least as wide as its title needs (call after ``setWindowTitle``)."""
    need = title_width(widget)
    if widget.minimumWidth() < need:
        widget.setMinimumWidth(need)
