"""GUI test fixtures: offscreen Qt, no worker left running, answers instead of dialogs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.conftest import shared_set  # noqa: E402


@pytest.fixture(autouse=True)
def _no_worker_left(qapp: Any) -> Iterator[None]:
    """Fail a test that leaves a background job running (after its widgets closed)."""
    from faceorganizer.gui import worker

    yield
    qapp.processEvents()
    running = worker.running_jobs()
    pools = worker.all_pools()
    busy = [p.activeThreadCount() for p in pools]
    for pool in pools:  # clean up for the next test whatever happened
        pool.clear()
        pool.waitForDone(30000)
    assert running == 0 and not any(busy), (
        f"a test left background work running: {running} job(s), threads {busy}"
    )
    assert all(p.activeThreadCount() == 0 for p in pools)


class FakeAsk:
    """Answers the window's questions from queues; records what was asked."""

    def __init__(self) -> None:
        self.texts: list[str | None] = []
        self.confirms: list[bool] = []
        self.folders: list[str | None] = []
        self.picks: list[tuple[int | None, str | None] | None] = []
        self.asked: list[tuple[str, str]] = []
        self.pick_args: list[dict[str, Any]] = []
        self.choices: list[str | None] = []
        self.choices_shown: list[tuple[str, list, list]] = []

    def text(self, parent: Any, title: str, label: str, default: str = "") -> str | None:
        self.asked.append(("text", title))
        return self.texts.pop(0) if self.texts else None

    def confirm(self, parent: Any, title: str, text: str) -> bool:
        self.asked.append(("confirm", text))
        return self.confirms.pop(0) if self.confirms else True

    def folder(self, parent: Any, title: str) -> str | None:
        self.asked.append(("folder", title))
        return self.folders.pop(0) if self.folders else None

    def pick_person(
        self, parent: Any, title: str, people: list, allow_new: bool = True, **extra: Any
    ) -> Any:
        self.asked.append(("pick", title))
        self.pick_args.append({"people": people, **extra})
        return self.picks.pop(0) if self.picks else None

    def choose(
        self, parent: Any, title: str, text: str, groups: list, buttons: list, thumbs: Any = None
    ) -> str | None:
        self.asked.append(("choose", text))
        self.choices_shown.append((text, groups, buttons))
        if self.choices:
            return self.choices.pop(0)
        if self.confirms:  # a yes / no answer: the last (default) button or the first
            return buttons[-1] if self.confirms.pop(0) else buttons[0]
        return buttons[-1]

    def info(self, parent: Any, title: str, text: str) -> None:
        self.asked.append(("info", text))


@pytest.fixture()
def fake_ask() -> FakeAsk:
    return FakeAsk()


@pytest.fixture()
def settings(tmp_path: Path) -> Any:
    """Settings in this test's own ini file (FACEORGANIZER_HOME is per test)."""
    from faceorganizer.gui.settings import AppSettings, open_qsettings

    s = AppSettings(open_qsettings())
    s.db_path = tmp_path / "library.db"
    return s


@pytest.fixture()
def celebrities_copy(tmp_path: Path) -> Path:
    """A private copy of the 64 celebrity photos (tests touch their mtimes)."""
    dest = tmp_path / "photos"
    shutil.copytree(shared_set("celebrities"), dest)
    return dest


@pytest.fixture(scope="session")
def scanned_celebrities(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The celebrity photos scanned and grouped once; tests copy the database."""
    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.people.grouping import GroupingOptions, regroup
    from faceorganizer.core.store.db import Database

    path = tmp_path_factory.mktemp("scanned-celebrities") / "library.db"
    with Database(path) as db:
        summary = scan_library(db, [str(shared_set("celebrities"))])
        regroup(db, GroupingOptions(incremental=True))
    assert summary.processed == 64
    return path


@pytest.fixture()
def library_window(
    qtbot: Any, settings: Any, fake_ask: FakeAsk, scanned_celebrities: Path, tmp_path: Path
) -> Any:
    """The window on a private copy of the scanned library, without start-up scanning."""
    from faceorganizer.core.store.db import Database
    from faceorganizer.gui.main_window import MainWindow

    with Database(scanned_celebrities) as src, Database(tmp_path / "library.db") as dst:
        src.conn.backup(dst.conn)
    settings.folders = [str(shared_set("celebrities"))]
    settings.scan_on_start = False
    win = MainWindow(settings, fake_ask)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: win.people_model.rowCount() > 3, timeout=10000)
    yield win
    # pytest-qt may close and delete the window first (qtbot.addWidget): then it is gone
    from shiboken6 import isValid

    qtbot.waitUntil(lambda: not isValid(win) or not win.jobs.active(), timeout=10000)
    if isValid(win):
        win.close()
