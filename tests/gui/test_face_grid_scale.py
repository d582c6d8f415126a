"""A grid of tens of thousands of faces: a page appended costs the page, not the grid."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from faceorganizer.gui.faces_model import FaceIdRole, FaceListModel
from tests.gui.face_grids import grid_faces, show_face_grid

SHOWN = 20_000
PAGE = 600


def test_a_page_appended_to_a_long_grid_calls_python_per_page_not_per_row(qtbot: Any) -> None:
    """The grid lays out every row when a page arrives, asking the row count twice a row: a
    count answered in Python was 40,000 calls into the interpreter here (a quarter of a
    second frozen at 50,000 faces); now it is answered in C++."""
    model = FaceListModel()
    model.set_faces(grid_faces(0, SHOWN, per_photo=4))
    view = show_face_grid(qtbot, model)
    calls: Counter[str] = Counter()

    def count(frame: Any, event: str, _arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename.endswith("faces_model.py"):
            calls[frame.f_code.co_name] += 1

    page = grid_faces(SHOWN, PAGE, per_photo=4)
    sys.setprofile(count)
    try:
        model.append_faces(page)
        view.doItemsLayout()  # what the view does on its next turn, done now
        view.viewport().repaint()
    finally:
        sys.setprofile(None)
    assert sum(calls.values()) < PAGE, calls.most_common(3)  # a few per cell painted
    assert model.rowCount() == SHOWN + PAGE
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum())
    view.viewport().repaint()
    last = view.indexAt(view.viewport().rect().center())
    assert last.isValid() and last.row() > SHOWN  # the new page is laid out and shown
    assert last.data(FaceIdRole) == model.face_at(last.row()).id
    model.append_faces(page)  # a page again: nothing shown twice
    assert model.rowCount() == SHOWN + PAGE
    view.close()


def test_faces_shown_are_out_of_the_collectors_passes(qtbot: Any) -> None:
    """A full collector pass walked every face shown (30-50 ms at 50,000 unsorted faces, the
    longest stalls of the scroll): the pages shown are frozen out of those passes."""
    import gc

    from faceorganizer.gui.thumbnails import ThumbnailCache
    from faceorganizer.gui.unsorted_view import UnsortedView
    from faceorganizer.gui.worker import Jobs

    jobs = Jobs()
    view = UnsortedView(ThumbnailCache(jobs))
    first, second = grid_faces(0, PAGE, per_photo=4), grid_faces(PAGE, PAGE, per_photo=4)
    view.add_page(0, first, 2 * PAGE)
    view.add_page(PAGE, second, None)
    shown = {id(f) for f in (*first, *second)}
    assert view.faces.rowCount() == 2 * PAGE
    assert not any(id(o) in shown for o in gc.get_objects())  # in no generation a pass walks
    view.close()
    jobs.shutdown()
