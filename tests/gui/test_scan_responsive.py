"""While a scan runs, the window's process does no avoidable work that holds the interpreter
lock (issue 16): nothing is imported then, the collector's full passes skip the window's
long-lived objects, and the counts wait for the scan's end, where they are always fresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository
from faceorganizer.gui.worker import thumbnail_threads
from tests.conftest import shared_set

REPO = Path(__file__).resolve().parents[2]

# A fresh interpreter (the test process has imported everything already): the window scans a
# folder at start-up, as the app does; which modules and frozen objects are there at the scan's
# start, and which modules were imported from then to its end.
_SCRIPT = textwrap.dedent(
    """
    import gc, json, sys
    from pathlib import Path
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from faceorganizer.gui.main_window import MainWindow
    from faceorganizer.gui.settings import AppSettings, open_qsettings

    seen = {}
    start, end = MainWindow.scan_folders, MainWindow._scan_ended

    def scan_folders(self, roots):
        seen.setdefault("start", set(sys.modules))
        seen.setdefault("frozen", gc.get_freeze_count())
        start(self, roots)

    def scan_ended(self):
        seen["end"] = set(sys.modules)
        end(self)

    MainWindow.scan_folders, MainWindow._scan_ended = scan_folders, scan_ended
    settings = AppSettings(open_qsettings())
    settings.folders = [sys.argv[1]]
    settings.db_path = Path(sys.argv[2])
    win = MainWindow(settings)
    win.show()
    loop = QEventLoop()
    check = QTimer()
    check.timeout.connect(
        lambda: loop.quit() if "end" in seen and not win.jobs.active() else None
    )
    check.start(20)
    QTimer.singleShot(120000, loop.quit)
    loop.exec()
    summary = win.last_summary
    win.close()
    print(json.dumps({
        "imported": sorted(seen.get("end", set()) - seen.get("start", set())),
        "had": sorted(seen.get("start", ())),
        "frozen": seen.get("frozen", 0),
        "processed": summary.processed if summary is not None else -1,
    }))
    """
)


def test_nothing_is_imported_in_the_windows_process_while_a_scan_runs(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for src in sorted(shared_set("celebrities").glob("*.jpg"))[:2]:
        (photos / src.name).write_bytes(src.read_bytes())
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FACEORGANIZER_HOME=str(tmp_path / "h"))
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(photos), str(tmp_path / "library.db")],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["processed"] == 2
    # what relaying the scan and reading its thumbnails need was imported before it started
    for module in (
        "numpy",
        "cv2",
        "faceorganizer.core.faces.scan_process",
        "multiprocessing.queues",
    ):
        assert module in result["had"], module
    heavy = ("faceorganizer", "numpy", "cv2", "multiprocessing", "xml", "sklearn", "onnxruntime")
    late = [m for m in result["imported"] if m.split(".")[0] in heavy]
    assert late == [], f"imported in the window's process during the scan: {late}"
    # the window's objects were moved out of the collector's full passes before the scan
    assert result["frozen"] > 10000


def test_the_counts_are_fresh_when_a_scan_ends_even_if_no_person_changed(
    qtbot: Any, library_window: Any
) -> None:
    win = library_window
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=10000)
    with Database(win.db_path, readonly=True) as db:
        unsorted = len(PeopleRepository(db).unsorted_faces())
    win.people_view.set_extra_counts(999, 999)  # what a stale count would look like
    win.start_scan()  # every photo is scanned already: no person changes, no row signal
    qtbot.waitUntil(lambda: not win.scanning(), timeout=60000)
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=10000)
    assert win.last_summary is not None and win.last_summary.processed == 0
    # the counts follow the People view (they take seconds at 20,000 groups): wait for them
    qtbot.waitUntil(
        lambda: win.people_view.unsorted_button.text() == f"Unsorted faces ({unsorted})",
        timeout=10000,
    )
    qtbot.waitUntil(lambda: "999" not in win.people_view.review_button.text(), timeout=10000)


def test_a_two_core_machine_loads_thumbnails_on_one_thread() -> None:
    assert thumbnail_threads(1) == 1 and thumbnail_threads(2) == 1
    assert thumbnail_threads(4) == 2 and thumbnail_threads(16) == 2
