"""Render the main screens with real data, offscreen, into docs/screenshots/*.png.

Builds a library from ../shared/data/celebrities and snapshots in a temporary folder (scan,
group, name a few people), opens the window at 1280×800 and grabs the people page, a person's
page, the photo viewer with its boxes and the export dialog.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEORGANIZER_SHARED", REPO.parent / "shared")) / "data"
NAMES = ["Alex Morgan", "Sam Rivera", "Jordan Lee", "Taylor Brooks", "Casey Kim"]


def build_library(db_path: Path, roots: list[str]) -> None:
    """Scan, group and name the largest groups."""
    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.people.grouping import regroup
    from faceorganizer.core.people.ops import PeopleOps
    from faceorganizer.core.store.db import Database

    with Database(db_path) as db:
        summary = scan_library(db, roots)
        print(f"scanned {summary.processed} photos, {summary.faces_found} faces")
        regroup(db)
        ops = PeopleOps(db)
        for person, name in zip(ops.repo.list_people(), NAMES, strict=False):
            ops.name(person.id, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="faceorganizer-shots-"))
    os.environ["FACEORGANIZER_HOME"] = str(tmp / "home")
    roots = [str(SHARED / "celebrities"), str(SHARED / "snapshots")]
    db_path = tmp / "library.db"
    build_library(db_path, roots)

    from PySide6.QtWidgets import QApplication

    from faceorganizer.gui.main_window import MainWindow
    from faceorganizer.gui.settings import AppSettings, open_qsettings

    app = QApplication(sys.argv[:1])
    app.setOrganizationName("FaceOrganizer")
    app.setApplicationName("FaceOrganizer")
    settings = AppSettings(open_qsettings())
    settings.db_path = db_path
    settings.folders = roots
    settings.scan_on_start = False
    win = MainWindow(settings)
    win.resize(1280, 800)
    win.show()

    def wait(cond: Callable[[], bool], timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            app.processEvents()
            if cond():
                break
            time.sleep(0.01)
        # thumbnails asked for while painting: let them arrive and repaint
        for _ in range(3):
            settle = time.monotonic() + 10
            while time.monotonic() < settle and (win.jobs.active() or win.thumbs.pending()):
                app.processEvents()
                time.sleep(0.01)
            for _ in range(20):
                app.processEvents()
                time.sleep(0.01)

    def shot(widget: object, name: str) -> None:
        path = out / name
        widget.grab().save(str(path))  # type: ignore[attr-defined]
        print(f"wrote {path}")

    wait(lambda: win.people_model.rowCount() > 5)
    shot(win, "people.png")

    person = win.people_model.ids()[0]
    win.open_person(person)
    wait(lambda: win.person_view.faces.rowCount() > 0)
    shot(win, "person.png")

    # the viewer on the photo of this person with the most faces
    from faceorganizer.core.store.browse import photo_faces, photos_of
    from faceorganizer.core.store.db import Database

    with Database(db_path) as db:
        photos = [p for p, _ in photos_of(db, [person])]
        best = max(photos, key=lambda p: len(photo_faces(db, p)))
    win._viewer_return = win.person_view
    win.open_viewer(photos, best)
    wait(lambda: win.viewer.canvas.pixmap is not None)
    shot(win, "viewer.png")

    win.show_people()
    win.people_view.select_ids(win.people_model.ids()[:2])
    win.open_export()
    dialog = win.export_dialog
    dialog.target.setText(str(Path.home() / "Pictures" / "Albums"))
    wait(lambda: dialog.isVisible())
    shot(dialog, "export.png")
    dialog.close()
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
