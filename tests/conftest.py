"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEORGANIZER_SHARED", REPO.parent / "shared")) / "data"


def shared_set(name: str) -> Path:
    """A folder of ../shared/data, read in place; the suite fails loudly when it is missing."""
    path = SHARED / name
    if not path.is_dir():
        pytest.fail(f"shared data set {path} is missing (tests read ../shared/data in place)")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test touches the real per-user data folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("FACEORGANIZER_HOME", str(home))
    monkeypatch.setenv("FACEORGANIZER_THREADS", os.environ.get("FACEORGANIZER_THREADS", "2"))
    yield


@pytest.fixture(scope="session")
def scanned_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """celebrities + snapshots scanned once with the default pack; tests copy the database."""
    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.store.db import Database

    path = tmp_path_factory.mktemp("scanned") / "library.db"
    with Database(path) as db:
        summary = scan_library(db, [str(shared_set("celebrities")), str(shared_set("snapshots"))])
    assert summary.processed == 250, summary
    yield path


@pytest.fixture()
def library_copy(scanned_library: Path, tmp_path: Path) -> Path:
    """A private copy of the scanned database for a test that changes it."""
    dest = tmp_path / "library.db"
    shutil.copy2(scanned_library, dest)
    return dest
