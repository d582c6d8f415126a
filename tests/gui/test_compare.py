"""Same person? in the window (issue 31, point 6): File ▸ Compare Two Photos… and, with two
faces selected in a grid, "Same person?"; the verdict words and numbers are the CLI's."""

from __future__ import annotations

import csv
import subprocess
import sys
from typing import Any

from faceorganizer.core.search.compare import describe, thresholds_text
from tests.conftest import shared_set

PAIRS = 4  # 2 of the same person, 2 of different people


def _pairs() -> list[tuple[str, str]]:
    root = shared_set("lfw-fold1")
    with open(root / "pairs.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    same = [r for r in rows if r["same"] == "1"][: PAIRS // 2]
    other = [r for r in rows if r["same"] == "0"][: PAIRS // 2]
    return [(str(root / r["file_a"]), str(root / r["file_b"])) for r in same + other]


def test_the_window_compares_two_photos_as_the_command_line_does(
    qtbot: Any, library_window: Any
) -> None:
    win = library_window
    assert win.act_compare_photos in win.menuBar().actions()[0].menu().actions()
    verdicts = set()
    for a, b in _pairs():
        cli = subprocess.run(
            [sys.executable, "-m", "faceorganizer", "compare", a, b, "--device", "cpu"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert cli.returncode == 0, cli.stderr
        line, meaning = cli.stdout.splitlines()[:2]
        answers = iter([a, b])
        win.comparisons.choose_compare_photo = lambda _which, it=answers: next(it)
        win.act_compare_photos.trigger()
        dialog = win.comparisons.dialog
        qtbot.waitUntil(lambda d=dialog: bool(d.numbers.text()), timeout=60000)
        assert dialog.numbers.text() == line  # the same words and numbers
        assert dialog.meaning.text() == meaning == thresholds_text()
        assert dialog.verdict.text().lower() == line.split("  ")[0]
        assert all(p.pixmap() is not None and not p.pixmap().isNull() for p in dialog.pictures)
        verdicts.add(dialog.verdict.text())
        dialog.close()
    assert "Same person" in verdicts and "Different people" in verdicts
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=10000)


def test_same_person_for_two_selected_faces(qtbot: Any, library_window: Any) -> None:
    import numpy as np
    from PySide6.QtCore import QItemSelectionModel

    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.faces import FaceRepository

    win = library_window
    pid = max(win.people_model.ids(), key=lambda p: win.people_model.item(p).face_count)
    win.open_person(pid)
    faces = win.person_view.faces
    qtbot.waitUntil(lambda: faces.rowCount() >= 2, timeout=10000)
    assert win.act_compare_faces in win.person_view.menu_actions
    win.comparisons.compare_selected_faces()  # nothing selected: says what to do
    assert "two faces" in win.statusBar().currentMessage()
    grid = win.person_view.grid
    for row in (0, 1):
        grid.selectionModel().select(faces.index(row, 0), QItemSelectionModel.SelectionFlag.Select)
    ids = win.comparisons.selected_faces_anywhere()
    assert len(ids) == 2
    win.act_compare_faces.trigger()
    dialog = win.comparisons.dialog
    qtbot.waitUntil(lambda: bool(dialog.numbers.text()), timeout=20000)
    with Database(win.db_path) as db:
        vec = FaceRepository(db).vectors_of(ids)
    similarity = float(np.dot(vec.vectors[0], vec.vectors[1]))
    assert dialog.numbers.text() == describe(similarity)
    assert dialog.verdict.text() == "Same person"  # two faces of one group
    dialog.close()
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=10000)
