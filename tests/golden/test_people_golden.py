"""People on the real shared photos: the right groups, decisions that stick, exact exports."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import shared_set
from tests.labels import read_labels

pytestmark = pytest.mark.golden


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "faceorganizer", *args], capture_output=True, text=True, timeout=600
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
    return result


def tree_hashes(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        out[os.path.relpath(dirpath, root) + "/"] = "dir"
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            st = os.stat(full)
            digest = hashlib.sha256(Path(full).read_bytes()).hexdigest()
            out[os.path.relpath(full, root)] = f"{digest}:{st.st_size}:{st.st_mtime_ns}"
    return out


@pytest.mark.parametrize("method", ["agglomerative", "hdbscan"])
def test_labelled_celebrities_form_exactly_nine_people(library_copy: Path, method: str) -> None:
    labels_csv = shared_set("celebrities") / "labels.csv"
    out = cli("cluster", "--db", str(library_copy), "--method", method).stdout
    assert f"method={method}" in out
    result = cli("eval", "--db", str(library_copy), "--labels", str(labels_csv)).stdout
    lines = result.splitlines()
    assert lines[0] == "BCubed P=1.000 R=1.000 F=1.000", result
    assert lines[1].startswith("pairwise P=1.000 R=1.000 F=1.000"), result
    people = json.loads(cli("people", "--db", str(library_copy), "--json").stdout)
    labels = read_labels(labels_csv)
    owners: dict[str, set[int]] = {}
    for person in people:
        for photo in person["photos"]:
            name = Path(photo).name
            if "/celebrities/" in photo and name in labels:
                owners.setdefault(labels[name], set()).add(person["id"])
    assert len(owners) == 9 and all(len(v) == 1 for v in owners.values())
    assert len({next(iter(v)) for v in owners.values()}) == 9


def test_eval_compare_prints_every_method(library_copy: Path) -> None:
    labels_csv = shared_set("celebrities") / "labels.csv"
    cli("cluster", "--db", str(library_copy))
    out = cli("eval", "--db", str(library_copy), "--labels", str(labels_csv), "--compare").stdout
    for method in ("ours", "immich", "photoprism", "librephotos"):
        assert method in out
    data = json.loads(
        cli("eval", "--db", str(library_copy), "--labels", str(labels_csv), "--json").stdout
    )
    assert data["bcubed"]["F"] == 1.0


def test_export_gives_exactly_the_persons_photos_and_leaves_the_library_alone(
    tmp_path: Path,
) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(shared_set("celebrities"), lib)
    before = tree_hashes(lib)
    db = str(tmp_path / "lib.db")
    cli("scan", str(lib), "--db", db)
    cli("cluster", "--db", db)
    labels = read_labels(lib / "labels.csv")
    person_a = [name for name, who in labels.items() if who == "A"]
    people = json.loads(cli("people", "--db", db, "--json").stdout)
    target = next(p for p in people if any(Path(x).name == person_a[0] for x in p["photos"]))
    cli("name", str(target["id"]), "Person A", "--db", db)
    out_dir = tmp_path / "albums"
    cli("export", "--db", db, "--person", "Person A", "--to", str(out_dir))
    exported = sorted(
        p.name for p in (out_dir / "Person A").iterdir() if not p.name.startswith(".")
    )
    assert exported == sorted(Path(p).name for p in target["photos"])
    assert set(person_a) <= set(exported)
    again = cli("export", "--db", db, "--person", "Person A", "--to", str(out_dir)).stdout
    assert "written=0" in again
    assert tree_hashes(lib) == before


def test_decisions_survive_rescan_and_recluster(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(shared_set("celebrities"), lib)
    db = str(tmp_path / "lib.db")
    cli("scan", str(lib), "--db", db)
    cli("cluster", "--db", db)
    people = json.loads(cli("people", "--db", db, "--json").stdout)
    big = max(people, key=lambda p: p["face_count"])
    cli("name", str(big["id"]), "Anna", "--db", db)
    rejected = big["faces"][-1]
    cli("reject", "--face", str(rejected), "--from", "Anna", "--db", db)
    other = next(p for p in people if p["id"] != big["id"])
    ignored = other["faces"][0]
    cli("ignore", "--face", str(ignored), "--db", db)
    # every photo changes on disk: all are re-processed, then everything is regrouped
    now = time.time_ns()
    for photo in lib.glob("*.jpg"):
        os.utime(photo, ns=(now, now))
    rescan = cli("scan", str(lib), "--db", db).stdout
    assert "processed=64" in rescan
    cli("cluster", "--db", db)
    cli("cluster", "--db", db, "--incremental")
    after = {p["id"]: p for p in json.loads(cli("people", "--db", db, "--json").stdout)}
    anna = after[big["id"]]
    assert anna["name"] == "Anna"
    assert set(big["faces"]) - {rejected} <= set(anna["faces"])
    assert rejected not in anna["faces"]
    assert all(ignored not in p["faces"] for p in after.values())
    cli("undo", "--db", db)  # undoes the ignore
    cli("cluster", "--db", db)
    assert any(
        ignored in p["faces"] for p in json.loads(cli("people", "--db", db, "--json").stdout)
    ) or ignored in _unsorted(db)


def _unsorted(db: str) -> list[int]:
    import sqlite3

    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT id FROM faces WHERE id NOT IN (SELECT face_id FROM face_person)"
    ).fetchall()
    conn.close()
    return [r[0] for r in rows]


def test_simulated_user_works_on_a_copy(library_copy: Path) -> None:
    labels_csv = shared_set("celebrities") / "labels.csv"
    before = hashlib.sha256(library_copy.read_bytes()).hexdigest()
    out = cli("eval", "--db", str(library_copy), "--labels", str(labels_csv), "--simulate-user")
    lines = out.stdout.splitlines()
    assert len(lines) == 5, out.stdout
    assert all(line.startswith("simulated user: answers=") for line in lines[:4])
    assert "people=9" in lines[0]
    assert lines[4].startswith("answers to reach F 0.99: ")
    data = json.loads(
        cli(
            "eval",
            "--db",
            str(library_copy),
            "--labels",
            str(labels_csv),
            "--simulate-user",
            "--json",
        ).stdout
    )
    assert data["simulate"]["people"] == 9 and data["simulate"]["curve"][-1][1] >= 0.99
    assert hashlib.sha256(library_copy.read_bytes()).hexdigest() == before


SUMMARY_KEYS = [
    "seen",
    "processed",
    "unchanged",
    "moved",
    "skipped",
    "deleted",
    "faces",
    "seconds",
    "photos_per_s",
    "device",
    "names_imported",
    "status",
    "people",
    "offline",  # issue 25: photos kept while their folder is offline
]


def _summary(out: str) -> dict[str, str]:
    (line,) = [ln for ln in out.splitlines() if ln.startswith("summary: ")]
    return dict(item.split("=", 1) for item in line.split()[1:])


def test_scan_groups_its_new_faces_unless_told_not_to(tmp_path: Path) -> None:
    """`scan` then `people` lists people (the app's incremental step); `--no-group` skips it."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for name in ("couple.jpg", "img1.jpg", "img10.jpg", "img11.jpg", "img2.jpg", "img3.jpg"):
        shutil.copy2(shared_set("celebrities") / name, lib / name)
    ungrouped = str(tmp_path / "ungrouped.db")
    summary = _summary(cli("scan", str(lib), "--db", ungrouped, "--no-group").stdout)
    assert list(summary) == SUMMARY_KEYS  # the old keys in their order, new ones appended
    assert summary["people"] == "0"
    assert "unsorted faces: " + summary["faces"] in cli("people", "--db", ungrouped).stdout

    db = str(tmp_path / "lib.db")
    summary = _summary(cli("scan", str(lib), "--db", db).stdout)
    people = json.loads(cli("people", "--db", db, "--json").stdout)
    assert int(summary["people"]) == len(people) >= 1
    # the same grouping as `cluster --incremental` after a scan that did not group
    cli("cluster", "--db", ungrouped, "--incremental")
    again = json.loads(cli("people", "--db", ungrouped, "--json").stdout)
    assert sorted(sorted(p["faces"]) for p in again) == sorted(sorted(p["faces"]) for p in people)
    # a scan with nothing new groups nothing new
    rescan = _summary(cli("scan", str(lib), "--db", db).stdout)
    assert rescan["processed"] == "0" and rescan["people"] == summary["people"]
