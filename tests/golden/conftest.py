"""Scanned labelled sets shared by the golden modules (each set is scanned once a session)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_set


def scan(db: Path, *names: str) -> str:
    """``faceorganizer scan`` of shared sets into ``db``; its output."""
    folders = [str(shared_set(name)) for name in names]
    result = subprocess.run(
        [sys.executable, "-m", "faceorganizer", "scan", *folders, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, f"scan {names} failed:\n{result.stdout}\n{result.stderr}"
    assert "status=done" in result.stdout, result.stdout
    return result.stdout


@pytest.fixture(scope="session")
def lfw_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lfw-fold1 + the snapshots, scanned with the default pack (read-only for tests)."""
    db = tmp_path_factory.mktemp("lfw-fold1") / "library.db"
    scan(db, "lfw-fold1", "snapshots")
    return db
