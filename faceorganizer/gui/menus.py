"""Small widgets shared by the pages: context menus, page titles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QMenu, QWidget


def popup_actions(
    parent: QWidget, view: QAbstractItemView, pos: Any, actions: Sequence[QAction | None]
) -> None:
    """Show ``actions`` (None = a separator) at ``pos`` when it is over an item."""
    if not view.indexAt(pos).isValid():
        return
    menu = QMenu(parent)
    for action in actions:
        if action is None:
            menu.addSeparator()
        else:
            menu.addAction(action)
    menu.popup(view.viewport().mapToGlobal(pos))


def page_header(*widgets: QWidget) -> QHBoxLayout:
    """A page's top row: Back, then the title and what follows it, left-aligned."""
    row = QHBoxLayout()
    back, *rest = widgets
    row.addWidget(back)
    row.addSpacing(8)
    for w in rest:
        row.addWidget(w)
    row.addStretch(1)
    return row


def page_title(text: str, parent: QWidget) -> QLabel:
    """A bold, larger label for the top of a page."""
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    label.setFont(font)
    return label
