"""The layers are enforced by import-linter: the contracts hold, and breaking one fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(where: Path) -> subprocess.CompletedProcess[str]:
    assert LINT.exists(), "import-linter is not installed (pip install -e '.[dev]')"
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=where, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    """The package and its contracts, in a temporary folder."""
    shutil.copytree(
        ROOT / "faceorganizer", tmp_path / "faceorganizer", ignore=shutil.ignore_patterns("*.pyc")
    )
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_contracts_hold(copy: Path) -> None:
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("gui.pages", "import sqlite3"),  # the GUI runs SQL itself
        ("cli.faces_cmd", "from faceorganizer.core.store import db"),  # a store connection
        ("core.store.faces", "from faceorganizer.core.people import ops"),  # an arrow upwards
        ("core.library.albums", "from faceorganizer.gui import worker"),  # the core reaches up
        ("core.search.find", "import PySide6"),  # Qt in the core
        # the photo metadata sits above the people and below the exports: neither side reaches
        # round it (the engine once imported the regions' geometry, and the regions the engine)
        ("core.faces.align", "from faceorganizer.core.metadata import safe"),
        ("core.people.text", "from faceorganizer.core.metadata import regions"),
        ("core.metadata.safe", "from faceorganizer.core.export import names"),
        # the shared records are the bottom of the app: they import nothing of it
        ("core.records", "from faceorganizer.core import settings"),
    ],
)
def test_breaking_a_contract_fails(copy: Path, module: str, line: str) -> None:
    _append(copy / "faceorganizer" / (module.replace(".", "/") + ".py"), line + "  # noqa")
    result = _lint(copy)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    imported = line.split()[1] if line.startswith("import") else ".".join(line.split()[1:4:2])
    assert f"faceorganizer.{module} -> {imported}" in result.stdout, result.stdout


CYCLES = "No cycles in the core: between its packages, nor between the modules of one package"


def test_a_cycle_fails(copy: Path) -> None:
    # two modules of one room importing each other: no layer is crossed, only the cycle contract
    # sees it (the store's db module imports its wal_guard module, never the reverse)
    _append(
        copy / "faceorganizer" / "core" / "store" / "wal_guard.py",
        "from faceorganizer.core.store import db  # noqa",
    )
    result = _lint(copy)
    assert result.returncode != 0
    out = " ".join(result.stdout.split())  # the report wraps long contract names
    assert f"{CYCLES} BROKEN" in out, result.stdout
    assert "Layers: the faces call the use cases, which call the core's rooms" in out
    assert "down to the store KEPT" in out, result.stdout
    assert ".wal_guard -> .db" in out or ".db -> .wal_guard" in out, result.stdout


def test_the_cycle_contract_is_the_one_in_pyproject() -> None:
    # the name the test above looks for is the contract's, so renaming one renames the other
    assert f'name = "{CYCLES}"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


FACES = "The faces reach the core only through the use cases: below core.library, only the records"


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("gui.captions", "from faceorganizer.core.store import browse"),  # the store's reads
        ("gui.find_view", "from faceorganizer.core.search import compare"),  # a core room
        ("cli.faces_cmd", "from faceorganizer.core.people import ops"),  # operations, not cases
        ("cli.main", "from faceorganizer.core.photos import decode"),  # an error from below
        # the data folder: only the window's second-start hand-over may read it directly
        ("gui.pages", "import faceorganizer.core.settings"),
        ("cli.common", "from faceorganizer.core import settings"),
    ],
)
def test_the_faces_reach_below_the_use_cases_only_for_the_records(
    copy: Path, module: str, line: str
) -> None:
    # none of these crosses a layer upwards or reaches the database: only this contract sees it
    _append(copy / "faceorganizer" / (module.replace(".", "/") + ".py"), line + "  # noqa")
    result = _lint(copy)
    out = " ".join(result.stdout.split())  # the report wraps long contract names
    assert result.returncode != 0
    assert f"{FACES} BROKEN" in out, result.stdout
    assert "Contracts: 4 kept, 1 broken" in out, result.stdout
    imported = line.split()[1] if line.startswith("import") else ".".join(line.split()[1:4:2])
    assert f"faceorganizer.{module} -> {imported}" in result.stdout, result.stdout


def test_the_records_are_open_to_the_faces(copy: Path) -> None:
    _append(copy / "faceorganizer" / "gui" / "pages.py", "from faceorganizer.core import records")
    _append(
        copy / "faceorganizer" / "cli" / "faces_cmd.py",
        "from faceorganizer.core.records import FLAG_NAMES  # noqa",
    )
    result = _lint(copy)
    assert result.returncode == 0, result.stdout


def test_the_faces_contract_is_the_one_in_pyproject() -> None:
    assert f'name = "{FACES}"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
