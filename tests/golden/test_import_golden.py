"""Names from Picasa, digiKam and Google Takeout on real photos: the right faces, none wrong.

The fixture library is 7 shared photos (two of them stored sideways with EXIF orientation 6
and 8, two with several faces), scanned once with the real models; each source's files are
written from the detected boxes as that program writes them (tests/import_fixtures.py).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from faceorganizer.cli.main import run
from faceorganizer.core.store.db import Database
from tests import import_fixtures as fx
from tests.conftest import shared_set

pytestmark = pytest.mark.golden

# photo -> a name for each detected face in index order (None: a face nobody named)
NAMES: dict[str, list[str | None]] = {
    "couple.jpg": ["Alice", "Bob"],
    "img1.jpg": ["Anna"],
    "img2.jpg": ["Anna"],
    "img10r6.jpg": ["Anna"],
    "img3r8.jpg": ["Ben"],
    "img12.jpg": ["Ben"],
    "img54.jpg": ["Carl", None, None, "Zoë Ørsted"],
}
ORIENTED = {"img10r6.jpg": ("img10.jpg", 6), "img3r8.jpg": ("img3.jpg", 8)}


@dataclass
class Built:
    root: Path
    lib: Path
    db: Path  # scanned and grouped, no names
    tags: list[fx.Tag]
    face_of: dict[tuple[str, int], int]  # (photo, index) -> face id
    orientations: dict[str, int]
    sizes: dict[str, tuple[int, int]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.people.grouping import GroupingOptions, regroup

    root = tmp_path_factory.mktemp("import")
    lib = root / "lib"
    lib.mkdir()
    src = shared_set("celebrities")
    for name in NAMES:
        if name in ORIENTED:
            original, turn = ORIENTED[name]
            fx.rotated_copy(src / original, lib / name, turn)
        else:
            shutil.copy2(src / name, lib / name)
    db = root / "scanned.db"
    with Database(db) as store:
        summary = scan_library(store, [str(lib)])
        regroup(store, GroupingOptions(incremental=True))
        rows = store.conn.execute(
            "SELECT p.path, p.width, p.height, p.orientation, f.id, f.x, f.y, f.w, f.h"
            " FROM faces f JOIN photos p ON p.id = f.photo_id ORDER BY p.path, f.idx"
        ).fetchall()
    assert summary.processed == len(NAMES)
    tags, face_of, orientations, sizes = [], {}, {}, {}
    seen: dict[str, int] = {}
    for path, w, h, turn, fid, x, y, fw, fh in rows:
        photo = Path(path).name
        i = seen.get(photo, 0)
        seen[photo] = i + 1
        face_of[(photo, i)] = fid
        orientations[photo], sizes[photo] = turn, (w, h)
        tags.append(fx.Tag(photo, NAMES[photo][i], (x / w, y / h, fw / w, fh / h)))
    assert {p: len(n) for p, n in NAMES.items()} == seen, "the detector found other faces"
    assert orientations["img10r6.jpg"] == 6 and orientations["img3r8.jpg"] == 8
    return Built(root, lib, db, tags, face_of, orientations, sizes)


def _copy(built: Built, tmp_path: Path) -> Path:
    db = tmp_path / "lib.db"
    shutil.copy2(built.db, db)
    return db


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    status = run(list(args))
    out = capsys.readouterr()
    return status, out.out.splitlines() + out.err.splitlines()


def named(db: Path) -> dict[int, str]:
    """face id -> name of every confirmed face of a named person."""
    with Database(db, readonly=True) as store:
        rows = store.conn.execute(
            "SELECT fp.face_id, pe.name FROM face_person fp JOIN people pe"
            " ON pe.id = fp.person_id WHERE fp.confirmed = 1 AND pe.name IS NOT NULL"
        ).fetchall()
    return {r[0]: r[1] for r in rows}


def expected(built: Built, photos: set[str] | None = None) -> dict[int, str]:
    return {
        built.face_of[(p, i)]: n
        for p, names in NAMES.items()
        for i, n in enumerate(names)
        if n is not None and (photos is None or p in photos)
    }


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def summary_of(lines: list[str]) -> dict[str, str]:
    [line] = [x for x in lines if x.startswith("import: ")]
    return dict(kv.split("=", 1) for kv in line.split()[1:])


def test_picasa_names_land_on_their_faces_rotated_too_and_undo_takes_them_back(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    folder = built.lib
    made_before = set(folder.iterdir())
    contacts = fx.write_picasa(folder, built.tags, built.orientations, in_ini={"Alice", "Anna"})
    fx.write_contacts_xml(tmp_path / "contacts.xml", contacts)
    request.addfinalizer(lambda: [p.unlink() for p in set(folder.iterdir()) - made_before])
    db = _copy(built, tmp_path)
    # the user already said img2's face is Zed: the import reports it and leaves it so
    zed = built.face_of[("img2.jpg", 0)]
    assert cli(capsys, "move", "--db", str(db), "--face", str(zed), "--to", "Zed")[0] == 0
    before = hashes(folder)

    status, lines = cli(capsys, "import", "picasa", str(folder), "--db", str(db),
                        "--contacts", str(tmp_path / "contacts.xml"))  # fmt: skip
    assert status == 0, lines
    want = expected(built)
    want[zed] = "Zed"
    assert named(db) == want, lines
    counts = summary_of(lines)
    assert counts["conflicts"] == "1" and counts["matched"] == "9", lines
    assert counts["names"] == "6" and counts["photos"] == "7" and counts["ambiguous"] == "0"
    assert "regions: read=11 named=9 matched=9 from_metadata=0 ignored=2" in lines
    assert any(x.startswith("conflict: ") and "confirmed as Zed" in x for x in lines)
    assert hashes(folder) == before  # nothing written beside the photos

    # one undo step takes every imported name back, and only those
    assert cli(capsys, "undo", "--db", str(db))[0] == 0
    assert named(db) == {zed: "Zed"}


def test_digikam_database_with_a_moved_root_dry_run_first(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "digikam").mkdir()
    source = tmp_path / "digikam" / "digikam4.db"
    fx.write_digikam(source, "/home/old/Pictures", "/lib", built.tags, built.sizes)
    db = _copy(built, tmp_path)
    before_source, before_db = hashes(source.parent), named(db)
    args = ("import", "digikam", str(source), "--db", str(db),
            "--root", f"/home/old/Pictures={built.root}")  # fmt: skip

    status, dry = cli(capsys, *args, "--dry-run")
    assert status == 0 and summary_of(dry)["dry_run"] == "yes", dry
    assert named(db) == before_db == {}
    assert hashes(source.parent) == before_source  # no journal, WAL or lock beside it

    status, lines = cli(capsys, *args)
    assert status == 0, lines
    assert named(db) == expected(built)
    counts, dry_counts = summary_of(lines), summary_of(dry)
    for key in ("names", "photos", "matched", "ambiguous", "conflicts", "assigned"):
        assert counts[key] == dry_counts[key], (key, dry, lines)
    assert [x for x in dry if x.startswith("regions:")] == [
        x for x in lines if x.startswith("regions:")
    ]
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before_source[str(source)]

    # without the root mapping the photos are not found: said, nothing imported
    other = tmp_path / "other.db"
    shutil.copy2(built.db, other)
    status, lines = cli(capsys, "import", "digikam", str(source), "--db", str(other))
    assert status == 0 and summary_of(lines)["not_in_library"] == "7" and named(other) == {}


def test_takeout_names_by_elimination_both_namings(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = built.lib
    names = {p: [n for n in ns if n] for p, ns in NAMES.items()}
    naming = {"img1.jpg": "json", "img2.jpg": "cut", "couple.jpg": "supplemental"}
    made_before = set(folder.iterdir())
    fx.write_takeout(folder, names, naming)
    try:
        db = _copy(built, tmp_path)
        bob = built.face_of[("couple.jpg", 1)]
        cli(capsys, "move", "--db", str(db), "--face", str(bob), "--to", "Bob")
        status, lines = cli(capsys, "import", "takeout", str(folder), "--db", str(db))
    finally:
        for p in set(folder.iterdir()) - made_before:
            p.unlink()
    assert status == 0, lines
    got = named(db)
    # single faces by the one-face rule, Alice because Bob was already placed in her photo
    want = expected(built, {"couple.jpg", "img1.jpg", "img2.jpg", "img10r6.jpg", "img3r8.jpg",
                            "img12.jpg"})  # fmt: skip
    assert got == want, lines
    # four faces and two names: which is which is not guessed
    ambiguous = sorted(x for x in lines if x.startswith("ambiguous: "))
    assert len(ambiguous) == 2 and all("img54.jpg" in x for x in ambiguous), lines
    counts = summary_of(lines)
    assert counts["files"] == "7" and counts["ambiguous"] == "2" and counts["already"] == "1"


def test_a_scan_reads_picasa_ini_and_takeout_sidecars_it_meets(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "photos"
    shutil.copytree(built.lib, folder)
    boxed = [t for t in built.tags if t.photo != "img12.jpg"]
    fx.write_picasa(folder, boxed, built.orientations, ini_name="Picasa.ini")
    fx.write_takeout(folder, {"img12.jpg": ["Ben"]}, {"img12.jpg": "supplemental"})
    before = hashes(folder)
    db = tmp_path / "scan.db"
    status, lines = cli(capsys, "scan", str(folder), "--db", str(db), "--no-group")
    assert status == 0 and "names_imported=9" in lines[-1], lines
    faces = {
        (Path(r[0]).name, r[1]): r[2]
        for r in Database(db, readonly=True).conn.execute(
            "SELECT p.path, f.idx, f.id FROM faces f JOIN photos p ON p.id = f.photo_id"
        )
    }
    want = {faces[(p, i)]: n for p, ns in NAMES.items() for i, n in enumerate(ns) if n}
    assert named(db) == want
    assert hashes(folder) == before
