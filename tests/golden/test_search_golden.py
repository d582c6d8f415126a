"""compare and find on the real shared photos: right verdicts, right person, library untouched."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_set
from tests.labels import read_labels

pytestmark = pytest.mark.golden

# Runs the CLI with the search commands registered even before cli/main.py lists them.
_RUNNER = """
import argparse, sys
from faceorganizer.cli import main, search_cmd
_build = main.build_parser
def build_parser():
    parser = _build()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "find" not in sub.choices:
        search_cmd.register(sub)
    return parser
main.build_parser = build_parser
sys.exit(main.run(sys.argv[1:]))
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _RUNNER, *args], capture_output=True, text=True, timeout=600
    )


def ok(*args: str) -> subprocess.CompletedProcess[str]:
    result = cli(*args)
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def photos_of(person: str) -> list[Path]:
    folder = shared_set("celebrities")
    labels = read_labels(folder / "labels.csv")
    return [folder / f for f, who in sorted(labels.items()) if who == person]


def test_two_photos_of_one_person_are_the_same_person() -> None:
    a, b = photos_of("A")[:2]
    data = json.loads(ok("compare", str(a), str(b), "--json", "--device", "cpu").stdout)
    assert data["verdict"] == "same person", data
    assert data["similarity"] >= data["thresholds"]["same_person_at_or_above"]
    assert 0.5 < data["probability"] <= 1.0
    text = ok("compare", str(a), str(b), "--device", "cpu").stdout
    assert text.startswith("same person") and "same person ≥" in text


def test_two_different_people_are_different_people() -> None:
    a, b = photos_of("A")[0], photos_of("B")[0]
    data = json.loads(ok("compare", str(a), str(b), "--json", "--device", "cpu").stdout)
    assert data["verdict"] == "different people", data
    assert data["probability"] < 0.5
    every = json.loads(ok("compare", str(a), str(b), "--json", "--all").stdout)
    assert len(every["pairs"]) == every["faces_a"] * every["faces_b"] >= 1


def test_find_ranks_the_named_person_first_and_leaves_the_library_alone(
    library_copy: Path, tmp_path: Path
) -> None:
    db = str(library_copy)
    ok("cluster", "--db", db)
    person_a = photos_of("A")
    people = json.loads(ok("people", "--db", db, "--json").stdout)
    target = next(
        p
        for p in people
        if any(Path(x).name == person_a[0].name and "celebrities" in x for x in p["photos"])
    )
    ok("name", str(target["id"]), "Person A", "--db", db)
    query = tmp_path / "outside" / "query.jpg"
    query.parent.mkdir()
    shutil.copy2(person_a[0], query)

    before = sha256(library_copy)
    siblings = sorted(p.name for p in library_copy.parent.iterdir())
    data = json.loads(ok("find", str(query), "--db", db, "--top", "5", "--json").stdout)
    text = ok("find", str(query), "--db", db).stdout
    ok("compare", str(query), str(person_a[1]), "--json")
    assert sha256(library_copy) == before
    # SQLite's read-only opening of a WAL database leaves an empty -wal and a -shm behind
    new = {p.name for p in library_copy.parent.iterdir()} - set(siblings)
    assert new <= {"library.db-wal", "library.db-shm"}, new
    wal = library_copy.with_name("library.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0

    largest = data["faces"][0]
    assert largest["people"][0]["person"] == "Person A", largest["people"][:3]
    assert largest["people"][0]["verdict"] == "same person"
    assert len(largest["matches"]) == 5
    assert largest["matches"][0]["person"] == "Person A"
    assert largest["matches"][0]["photo"].endswith(f"celebrities/{person_a[0].name}")
    sims = [m["similarity"] for m in largest["matches"]]
    assert sims == sorted(sims, reverse=True)
    others = [p for p in largest["people"][1:] if p["person"] != "Person A"]
    assert all(p["score"] < largest["people"][0]["score"] for p in others)
    assert "Person A" in text and "most similar faces" in text


def test_unreadable_file_exits_2_with_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("this is not a photo\n")
    good = photos_of("A")[0]
    for args in (
        ("compare", str(bad), str(good)),
        ("compare", str(good), str(tmp_path / "missing.jpg")),
        ("find", str(bad), "--db", str(tmp_path / "none.db")),
    ):
        result = cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert "notes.jpg" in cli("compare", str(bad), str(good)).stderr
    assert not (tmp_path / "none.db").exists()


def test_photo_without_a_face(library_copy: Path, tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "wall.png"
    Image.new("RGB", (640, 480), (180, 170, 160)).save(blank)
    face = photos_of("A")[0]
    result = ok("compare", str(blank), str(face))
    assert "no faces found" in result.stdout
    data = json.loads(ok("compare", str(face), str(blank), "--json").stdout)
    assert data["verdict"] is None and data["faces_b"] == 0
    before = sha256(library_copy)
    result = ok("find", str(blank), "--db", str(library_copy))
    assert "no faces found" in result.stdout
    data = json.loads(ok("find", str(blank), "--db", str(library_copy), "--json").stdout)
    assert data["faces"] == [] and data["no_faces_found"] is True
    assert sha256(library_copy) == before
