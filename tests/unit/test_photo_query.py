"""Photos by people and time: with all of A and B, --only, --not C, date bounds as periods."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faceorganizer.cli.main import run as cli_run
from faceorganizer.core.library import Library
from faceorganizer.core.library.photo_query import DateBoundError, PhotoQuery, period
from faceorganizer.core.people.ops import PeopleOps
from faceorganizer.core.records import NewFace
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.people import PeopleRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face, unit

# photo name -> (when taken, who is in it: named people, "x" an unnamed group)
PHOTOS = {
    "a_2018.jpg": ("2018-12-31T23:59:59+05:00", "A"),
    "ab_2019.jpg": ("2019-06-01T10:00:00", "AB"),
    "abx_2019.jpg": ("2019-07-01T10:00:00-08:00", "ABx"),  # a stranger: still "only"
    "abc_2019.jpg": ("2019-12-31T23:59:59", "ABC"),
    "ab_2020.jpg": ("2020-01-01T00:00:00", "AB"),
    "ab_undated.jpg": (None, "AB"),
}


def _face(seed: int) -> NewFace:
    vec = unit(np.random.default_rng(seed).normal(size=128).astype(np.float32))
    return new_face(vec, box=(10, 10, 80, 80), size_px=80, blur=200)


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    path = tmp_path / "lib.db"
    with Database(path) as db:
        photos, faces = PhotoRepository(db), FaceRepository(db)
        by_person: dict[str, list[int]] = {}
        with db.transaction():
            for n, (name, (taken, who)) in enumerate(PHOTOS.items()):
                source = "exif" if taken else None
                pid = photos.upsert(raw_path=f"/lib/{name}".encode(), path=f"/lib/{name}",
                                    size=1, mtime_ns=1, content_hash=name, status="ok",
                                    taken_at=taken, taken_source=source)  # fmt: skip
                faces.replace_for_photo(pid, [_face(n * 10 + i) for i in range(len(who))], "p")
                for face, person in zip(faces.rows(pid), who, strict=True):
                    by_person.setdefault(person, []).append(face.id)
        ops = PeopleOps(db)
        for person, ids in by_person.items():
            if person == "x":  # an unnamed group, as clustering makes them
                repo = PeopleRepository(db)
                with db.transaction():
                    repo.assign(ids, repo.create(None), confirmed=False)
            else:
                ops.create_person(person, ids)
    return path


def names(lib: Path, **query: object) -> list[str]:
    library = Library(lib, readonly=True)
    people = ("with_all", "without")
    ids = {
        k: [p.id for p in library.resolve(list(str(v)))] for k, v in query.items() if k in people
    }
    rest = {k: v for k, v in query.items() if k not in ids}
    hits = library.find_photos(PhotoQuery(**ids, **rest))  # type: ignore[arg-type]
    return [Path(h.path).name for h in hits]


def test_people_together_only_and_not(library: Path) -> None:
    assert names(library, with_all="AB") == [
        "ab_2019.jpg", "abx_2019.jpg", "abc_2019.jpg", "ab_2020.jpg", "ab_undated.jpg"
    ]  # fmt: skip
    assert names(library, with_all="AB", only=True) == [
        "ab_2019.jpg", "abx_2019.jpg", "ab_2020.jpg", "ab_undated.jpg"
    ]  # fmt: skip
    assert names(library, with_all="A", only=True) == ["a_2018.jpg"]
    assert names(library, with_all="A", without="B") == ["a_2018.jpg"]
    assert names(library, without="A") == []


def test_date_bounds_cover_their_whole_period(library: Path) -> None:
    # --to 2019 is through the end of 2019, whatever the offset of the photo's time
    assert names(library, with_all="AB", taken_from="2019", taken_to="2019") == [
        "ab_2019.jpg", "abx_2019.jpg", "abc_2019.jpg"
    ]  # fmt: skip
    assert names(library, with_all="A", taken_to="2018-12") == ["a_2018.jpg"]
    assert names(library, with_all="A", taken_from="2019-12-31") == ["abc_2019.jpg", "ab_2020.jpg"]


def test_bad_dates_are_refused_with_the_reason() -> None:
    assert period("2020-02") == (period("2020-02-01")[0], period("2020-03")[0])
    for bad, why in (("2019-13", "no month 13"), ("2019-02-30", "days 1 to 28"),
                     ("19", "not a date"), ("2019-1-1", "not a date")):  # fmt: skip
        with pytest.raises(DateBoundError, match=why):
            period(bad)
    with pytest.raises(DateBoundError, match="after"):
        PhotoQuery(taken_from="2020", taken_to="2019").bounds()


def test_the_command_line(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    argv = ["photos", "--db", str(library), "--person", "a", "--person", "B", "--only"]
    assert cli_run([*argv, "--from", "2019", "--to", "2019", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [Path(o["photo"]).name for o in out] == ["ab_2019.jpg", "abx_2019.jpg"]
    assert out[1]["taken"] == "2019-07-01T10:00:00-08:00" and out[1]["taken_guessed"] is False
    assert {p["name"] for p in out[1]["people"]} == {"A", "B", None}
    with pytest.raises(SystemExit) as exit_:
        cli_run([*argv, "--to", "2019-02-30"])
    assert exit_.value.code == 2
    assert "that month has days 1 to 28" in capsys.readouterr().err
    assert cli_run([*argv, "--from", "2020", "--to", "2019"]) == 2
    assert "after" in capsys.readouterr().err


def test_export_plans_one_album_per_year(library: Path) -> None:
    from faceorganizer.core.library.albums import plan_albums

    with Database(library, readonly=True) as db:
        a = Library(library).resolve(["A"])[0].id
        albums = plan_albums(db, [(a, "A")], together=False, by_date="year")
        months = plan_albums(db, [(a, "A")], together=False, by_date="month")
    assert {al.name: len(al.photos) for al in albums} == {
        "A 2018": 1, "A 2019": 3, "A 2020": 1, "A undated": 1
    }  # fmt: skip
    assert "A 2019-07" in {al.name for al in months}
