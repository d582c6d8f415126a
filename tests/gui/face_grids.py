"""A face grid on screen as the window builds one (the person page's and Unsorted's), for
tests that scroll it or count what it calls."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QListView

from faceorganizer.core.records import FaceRef
from faceorganizer.gui.delegates import FACE_CELL, ThumbDelegate
from faceorganizer.gui.faces_model import FaceListModel
from faceorganizer.gui.people_view import setup_grid
from tests.builders import face_ref


def grid_faces(first: int, n: int, per_photo: int = 1) -> list[FaceRef]:
    """Faces ``first+1 .. first+n``, ``per_photo`` to a photo."""
    return [
        face_ref(i + 1, photo_id=i // per_photo + 1, box=(1.0, 1.0, 20.0, 20.0), quality=0.5)
        for i in range(first, first + n)
    ]


def show_face_grid(qtbot: Any, model: FaceListModel) -> QListView:
    """``model`` in a 900x700 grid of face cells, shown and exposed."""
    view = QListView()
    setup_grid(view, FACE_CELL)
    view.setModel(model)
    view.setItemDelegate(ThumbDelegate(FACE_CELL, view))
    view.resize(900, 700)
    with qtbot.waitExposed(view):
        view.show()
    return view
