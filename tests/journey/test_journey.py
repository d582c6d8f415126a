"""The app as a person uses it: the real window (Xvfb, Qt's xcb platform) from an empty home.

One run of ``drive_journey.py`` in a subprocess (a Qt application's platform cannot change
inside this offscreen test process) on a copy of celebrities + snapshots: the welcome page, add
both folders through the folder dialog, scan, name the nine labelled people, fix wrong faces,
merge split groups, find by photo, export one person. The tests below assert on what it wrote.

``FACEORGANIZER_SCREENSHOTS=DIR`` copies the screenshots there (``scripts/screenshots.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared_set
from tests.journey.pace import slowest_steps, waits_text
from tests.journey.xdisplay import xcb_env, xvfb

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("drive_journey.py")

pytestmark = [pytest.mark.slow, pytest.mark.golden, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the journey once; its result.json with ``out`` (the screenshots' folder) added."""
    root = tmp_path_factory.mktemp("journey")
    photos = root / "photos"
    for name in ("celebrities", "snapshots"):  # photos only; the labels are the user's memory
        shutil.copytree(shared_set(name), photos / name, ignore=shutil.ignore_patterns("*.csv"))
    labels = root / "labels.csv"
    shutil.copy2(shared_set("celebrities") / "labels.csv", labels)
    home = root / "home"
    home.mkdir()
    out = root / "screens"
    with xvfb() as display:
        env = xcb_env(display, home)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        start = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                str(DRIVER),
                "--photos",
                str(photos),
                "--labels",
                str(labels),
                "--out",
                str(out),
            ],  # fmt: skip
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=800,
        )
        took = time.monotonic() - start
    print(proc.stdout[-6000:])
    result_file = out / "result.json"
    if not result_file.exists():
        pytest.fail(f"the journey wrote no result (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(result_file.read_text())
    result["out"] = out
    result["exit"] = proc.returncode
    result["stderr"] = proc.stderr[-4000:]
    result["wall_seconds"] = round(took, 1)
    result["labels"] = labels
    result["home"] = home
    c = result["counts"]
    result["summary"] = "\n".join(
        [
            f"journey: {result['actions']} user actions: names={c['name']} merges={c['merge']} "
            f"fixes={c['fix']} other={c['other']} (journey steps {c['step']}, navigation "
            f"{c['navigation']}, {result['inputs']} clicks/keys/typed texts); "
            f"{result['wall_seconds']} s, scan {result.get('scan_seconds')} s",
            f"journey waits: {waits_text(result)}; slowest steps: {slowest_steps(result['steps'])}",
            *(f"detour: {d}" for d in result["detours"]),
        ]
    )
    print(result["summary"])
    keep = os.environ.get("FACEORGANIZER_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name in result["screenshots"]:
            shutil.copy2(out / name, Path(keep) / name)
    return result


def _ok(journey: dict[str, Any]) -> None:
    assert journey["ok"], (
        f"the journey stopped: {journey['error']}\n"
        + "\n".join(journey["steps"][-15:])
        + f"\n{journey['stderr']}"
    )


def test_welcome_text_is_fully_visible(journey: dict[str, Any]) -> None:
    clipped = journey.get("welcome_clipped")
    assert clipped, f"the welcome page was not checked: {journey['error']}"
    assert set(clipped) == {"1280x800", "1600x1000"}
    assert not any(clipped.values()), f"welcome text cut off: {clipped}"


def test_journey_ends_with_every_labelled_face_right(
    journey: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from faceorganizer.core.evaluate.labelled import (
        evaluate_stored,
        labelled_faces,
        read_label_csv,
    )
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.people import PeopleRepository

    _ok(journey)
    assert journey["photos"] == 250
    with Database(Path(journey["db"]), readonly=True) as db:
        lab = labelled_faces(db, read_label_csv(Path(journey["labels"])))
        assert len(lab.face_ids) == 25 and not lab.missing
        ev = evaluate_stored(db, lab)
        names = {p.name for p in PeopleRepository(db).list_people() if p.name}
    with capsys.disabled():  # the action count belongs in every log
        print(f"\n{journey['summary']}\nPeople view at the end: BCubed F={ev.bcubed.f1:.3f}")
    assert ev.bcubed.f1 == pytest.approx(1.0), journey["after"]
    assert set(journey["names"].values()) <= names
    assert journey["after"]["strangers_in_their_groups"] == 0
    c = journey["counts"]
    assert c["name"] + c["merge"] >= 9  # each of the nine was named (or merged by name)


def test_find_by_photo_and_export_one_person(journey: dict[str, Any]) -> None:
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.people import PeopleRepository

    _ok(journey)
    name = journey["names"]["A"]
    assert any(name in t for t in journey["find_texts"]), journey["find_texts"]
    with Database(Path(journey["db"]), readonly=True) as db:
        repo = PeopleRepository(db)
        pid = next(p.id for p in repo.list_people() if p.name == name)
        expected = {Path(p).name for _i, p in repo.photos_with_all([pid])}
    album = Path(journey["export_dir"]) / name
    exported = {p.name for p in album.iterdir() if not p.name.startswith(".")}
    assert exported == expected


def test_export_writes_exactly_the_ticked_people_with_the_count_shown(
    journey: dict[str, Any],
) -> None:
    """Issue 31, point 2: the person selected before Ctrl+E is ticked where it shows, the user
    ticks a second one, the dialog says "2 people … NAME, NAME" before the button, and exactly
    those two albums are written."""
    _ok(journey)
    people = journey["export_people"]
    assert journey["export_preticked_rows"] == [0]  # ticked and in view: the first row
    chosen = journey["export_chosen"]
    assert chosen.startswith("2 people will be exported") and all(n in chosen for n in people)
    assert journey["export_button"] == "Export 2 albums"
    written = {p.name for p in Path(journey["export_dir"]).iterdir() if not p.name.startswith(".")}
    assert written == set(people)


def test_the_same_person_page_counts_its_questions_exactly(journey: dict[str, Any]) -> None:
    """Issue 31, point 4: each "yes" or "no" takes exactly one question off the counter."""
    _ok(journey)
    review = journey["review"]
    print(f"\nSame person? page: {review}")
    for answer, before, after in review["answers"]:
        if answer == "no":
            assert after == before - 1, review
        if answer == "skip":
            assert after == before, review
    if review["answers"]:
        assert review["first"].startswith(f"{review['answers'][0][1]} question")


def test_a_library_scanned_by_the_command_line_opens_with_its_folders(
    tmp_path: Path,
) -> None:
    """Issue 31, point 5: `faceorganizer scan FOLDER`, then the window on the same home shows
    the people (not the welcome page) and Settings lists FOLDER."""
    photos = tmp_path / "photos"
    shutil.copytree(shared_set("celebrities"), photos, ignore=shutil.ignore_patterns("*.csv"))
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "screens"
    with xvfb() as display:
        env = xcb_env(display, home)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        scan = subprocess.run(
            [sys.executable, "-m", "faceorganizer", "scan", str(photos)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert scan.returncode == 0, scan.stderr
        proc = subprocess.run(
            [sys.executable, str(DRIVER), "--cli-library", "--photos", str(photos),
             "--labels", str(shared_set("celebrities") / "labels.csv"), "--out", str(out)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )  # fmt: skip
    result = json.loads((out / "result.json").read_text())
    assert result["ok"], f"{result['error']}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert result["cli_page"] == "peoplePage" and result["cli_people"] > 0
    assert result["cli_folders"] == [str(photos)]
    assert "Photo folders in this library:" in result["settings_labels"]
    keep = os.environ.get("FACEORGANIZER_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name in result["screenshots"]:
            shutil.copy2(out / name, Path(keep) / name)


def test_a_screenshot_of_each_page(journey: dict[str, Any]) -> None:
    from PySide6.QtGui import QImage

    _ok(journey)
    for name in ("welcome.png", "people.png", "person.png", "viewer.png", "find.png",
                 "export.png"):  # fmt: skip
        path = journey["out"] / name
        assert path.exists(), name
        image = QImage(str(path))
        assert image.width() >= 400 and image.height() >= 300, name
        if name in ("welcome.png", "export.png"):
            continue  # text and buttons
        # photos and faces were painted, not a blank page
        colours = {image.pixel(x, y) for x in range(0, image.width(), 37)
                   for y in range(0, image.height(), 37)}  # fmt: skip
        assert len(colours) > 20, f"{name} is (nearly) blank"
