"""Grouping quality on the hard labelled sets, held as floors.

Each set is scanned with the default pack together with the 186 ``snapshots`` as distractors,
exactly as README's *Grouping quality* figures were made, and scored by the product's own
``eval``. The floors are the issue's targets; the figures measured today sit above them
(README). ``benchmarks/quality_bench.py`` prints the whole table for both packs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_set

pytestmark = pytest.mark.golden


def cli(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "faceorganizer", *args], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _scan(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    db = tmp_path_factory.mktemp(name) / "library.db"
    # --no-group: eval clusters the faces itself (the figures measure clustering as before)
    out = cli(
        "scan", str(shared_set(name)), str(shared_set("snapshots")), "--db", str(db), "--no-group"
    )
    assert "status=done" in out, out
    return db


@pytest.fixture(scope="module")
def celeba(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _scan(tmp_path_factory, "celeba-wild")


@pytest.fixture(scope="module")
def lfw(lfw_library: Path) -> Path:
    return lfw_library  # shared with test_scale_golden, which scans LFW folds 2-4 on top


def _bcubed(db: Path, name: str) -> dict[str, float]:
    labels = shared_set(name) / "labels.csv"
    return json.loads(cli("eval", "--db", str(db), "--labels", str(labels), "--json"))["bcubed"]


def test_celeba_wild_grouping_is_precise_and_complete(celeba: Path) -> None:
    scores = _bcubed(celeba, "celeba-wild")
    assert scores["P"] >= 0.99 and scores["F"] >= 0.95, scores


def test_lfw_fold1_grouping_with_the_same_defaults(lfw: Path) -> None:
    scores = _bcubed(lfw, "lfw-fold1")
    assert scores["F"] >= 0.985, scores


def test_lfw_fold1_grouping_is_precise(lfw: Path) -> None:
    # issue 18: the scale-aware rule made lfw-fold1 more precise (P 0.986 -> 0.996, F 0.994)
    scores = _bcubed(lfw, "lfw-fold1")
    assert scores["P"] >= 0.99 and scores["F"] >= 0.99, scores


def test_lfw_pairs_at_the_default_threshold(lfw: Path) -> None:
    pairs = shared_set("lfw-fold1") / "pairs.csv"
    out = cli("eval", "--db", str(lfw), "--pairs", str(pairs))
    found = re.search(r"verification accuracy=(\S+) at default, (\S+) best", out)
    assert found, out
    assert float(found.group(1)) >= 0.99, out


def test_simulated_user_reaches_f99_within_two_answers_a_person(celeba: Path) -> None:
    before = celeba.read_bytes()
    labels = shared_set("celeba-wild") / "labels.csv"
    out = cli("eval", "--db", str(celeba), "--labels", str(labels), "--simulate-user", "--json")
    sim = json.loads(out)["simulate"]
    assert sim["people"] == 45
    assert sim["answers_to_f99"] is not None and sim["answers_to_f99"] <= 90, sim
    assert celeba.read_bytes() == before  # the simulation works on a copy
