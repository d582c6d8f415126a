"""The Picasa, digiKam and Takeout readers, name elimination and the dry run, without models."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from faceorganizer.core.metadata.digikam import map_root, parse_rect, read_digikam, root_path
from faceorganizer.core.metadata.elimination import place_names
from faceorganizer.core.metadata.foreign import ForeignRegion, SourceError
from faceorganizer.core.metadata.names import to_region
from faceorganizer.core.metadata.picasa import parse_ini, read_picasa, rect64
from faceorganizer.core.metadata.regions import displayed_to_stored
from faceorganizer.core.metadata.takeout import TakeoutFinder, read_takeout, sidecar_names
from faceorganizer.core.people.name_claims import NameClaim, import_claims
from faceorganizer.core.people.ops import PeopleOps
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository, iou
from faceorganizer.core.store.photos import PhotoRepository
from faceorganizer.core.store.regions import PhotoFrame
from tests import import_fixtures as fx
from tests.builders import flat_unit, new_face


# -- Picasa ---------------------------------------------------------------------------------------
def test_rect64_is_four_16_bit_fractions_left_padded() -> None:
    assert rect64("rect64(3f845bcb59418507)") == pytest.approx(
        (0x3F84 / 65536, 0x5BCB / 65536, (0x5941 - 0x3F84) / 65536, (0x8507 - 0x5BCB) / 65536)
    )
    # leading zeros dropped: "left" is 0
    assert rect64("rect64(5bcb59418507)") == pytest.approx(
        (0.0, 0x5BCB / 65536, 0x5941 / 65536, (0x8507 - 0x5BCB) / 65536)
    )
    for bad in ("rect64()", "rect64(xyz)", "rect64(00000000ffffffff1)", "rect64(8000000040000000)"):
        assert rect64(bad) is None, bad
    box = (0.25, 0.125, 0.5, 0.25)
    assert rect64(f"rect64({fx.rect64_hex(box)})") == pytest.approx(box)


def test_picasa_ini_names_from_contacts2_and_contacts_xml(tmp_path: Path) -> None:
    tags = [
        fx.Tag("a.jpg", "Alice", (0.1, 0.1, 0.2, 0.2)),
        fx.Tag("a.jpg", None, (0.5, 0.1, 0.2, 0.2)),
        fx.Tag("b.JPG", "Bob", (0.3, 0.3, 0.2, 0.2)),
    ]
    contacts = fx.write_picasa(tmp_path, tags, {"b.JPG": 6}, in_ini={"Alice"})
    read = read_picasa(tmp_path)
    got = {(Path(r.path).name, r.name) for r in read.regions}
    assert got == {("a.jpg", "Alice"), ("a.jpg", None), ("b.JPG", None)}
    assert any("has no name" in why for _, why in read.problems)
    fx.write_contacts_xml(tmp_path / "contacts.xml", contacts)
    read = read_picasa(tmp_path / ".picasa.ini", tmp_path / "contacts.xml")
    [bob] = [r for r in read.regions if r.name == "Bob"]
    assert bob.frame == "stored" and bob.box == pytest.approx(
        displayed_to_stored((0.3, 0.3, 0.2, 0.2), 6), abs=1e-4
    )
    assert read.problems == [] and read.files == 1


def test_picasa_ini_is_read_tolerantly() -> None:
    text = (
        "junk\n[a.jpg]\nfaces=rect64(1),x;;rect64(nothex),y\n[a.jpg]\nstar=yes\n[Contacts2]\nx=X;;"
    )
    sections = parse_ini(text)
    assert sections["a.jpg"]["faces"].startswith("rect64(1)")
    assert sections["Contacts2"] == {"x": "X;;"}


# -- frames ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_source_frame_lands_on_the_displayed_box(orientation: int) -> None:
    width, height = (300, 200) if orientation < 5 else (200, 300)  # displayed
    shown = (0.2, 0.3, 0.25, 0.2)
    photo = PhotoFrame(1, "/p.jpg", width, height, orientation)
    stored = displayed_to_stored(shown, orientation)
    px = (shown[0] * width, shown[1] * height, shown[2] * width, shown[3] * height)
    for record in (
        ForeignRegion("/p.jpg", "A", stored, "stored", "normalized"),  # Picasa
        ForeignRegion("/p.jpg", "A", px, "displayed", "pixel"),  # digiKam 7+
    ):
        region = to_region(record, photo)
        assert region is not None and iou(region.box, shown) > 0.999, (record, region)
    if orientation >= 5:  # an older digiKam database: pixels of the stored frame
        sw, sh = height, width
        old = (stored[0] * sw, stored[1] * sh, stored[2] * sw, stored[3] * sh)
        if old[0] + old[2] > width * 1.02 or old[1] + old[3] > height * 1.02:
            region = to_region(ForeignRegion("/p.jpg", "A", old, "displayed", "pixel"), photo)
            assert region is not None and iou(region.box, shown) > 0.999


# -- digiKam --------------------------------------------------------------------------------------
def test_digikam_rect_roots_and_paths() -> None:
    assert parse_rect('<rect x="10" y="20" width="30" height="40"/>') == (10, 20, 30, 40)
    assert parse_rect("<rect x='1' y='2' width='0' height='4'/>") is None
    assert parse_rect("<rect/>" + "x" * 2000) is None
    assert root_path("volumeid:?uuid=abc", "/home/me/Pictures") == "/home/me/Pictures"
    assert root_path("volumeid:?path=%2Fmnt%2Fphotos", "/") == "/mnt/photos"
    assert root_path("networkshareid:?mountpath=/net/nas", "/2019") == "/net/nas/2019"
    roots = [("/home/me/Pictures", "/data/pics"), ("/home/me", "/x")]
    assert map_root("/home/me/Pictures/a/b.jpg", roots) == "/data/pics/a/b.jpg"
    assert map_root("/home/me/Picturesque/b.jpg", roots) == "/x/Picturesque/b.jpg"


def test_digikam_reader_takes_confirmed_people_only(tmp_path: Path) -> None:
    db = tmp_path / "digikam4.db"
    tags = [
        fx.Tag("a.jpg", "Jane", (0.1, 0.1, 0.2, 0.2)),
        fx.Tag("a.jpg", None, (0.5, 0.5, 0.1, 0.1)),
    ]
    fx.write_digikam(db, "/old", "/2020/trip", tags, {"a.jpg": (1000, 500)})
    conn = sqlite3.connect(db)  # a non-person tag with a region (a pet tag kept elsewhere)
    conn.execute("INSERT INTO Tags (id, pid, name) VALUES (99, 0, 'Holiday')")
    rect = '<rect x="1" y="1" width="5" height="5"/>'
    conn.execute("INSERT INTO ImageTagProperties VALUES (1, 99, 'tagRegion', ?)", (rect,))
    conn.commit()
    conn.close()
    before = db.read_bytes()
    read = read_digikam(db, [("/old", "/new")])
    got = sorted((r.path, r.name or "", r.box) for r in read.regions)
    assert got == [
        ("/new/2020/trip/a.jpg", "", (1, 1, 5, 5)),
        ("/new/2020/trip/a.jpg", "", (500, 250, 100, 50)),
        ("/new/2020/trip/a.jpg", "Jane", (100, 50, 200, 100)),
    ]
    assert db.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["digikam4.db"]


def test_digikam_refuses_what_is_not_its_database(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE Images (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(SourceError, match="not a digiKam database"):
        read_digikam(other)
    (tmp_path / "text.db").write_bytes(b"hello, not sqlite" * 100)
    with pytest.raises(SourceError, match="not an SQLite database"):
        read_digikam(tmp_path / "text.db")
    (tmp_path / "link.db").symlink_to(other)
    with pytest.raises(SourceError, match="symbolic link"):
        read_digikam(tmp_path / "link.db")
    with pytest.raises(SourceError):
        read_digikam(tmp_path / "missing.db")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.db")
        with pytest.raises(SourceError, match="not a regular file"):
            read_digikam(tmp_path / "fifo.db")


# -- Takeout --------------------------------------------------------------------------------------
def test_takeout_sidecar_names_as_takeout_writes_them() -> None:
    long = "IMG_20190704_183012_Fireworks_over_the_lake.jpg"
    found = TakeoutFinder(
        [
            "a.jpg.supplemental-metadata.json",
            "b.jpg.json",
            (long + ".supplemental-metadata")[:46] + ".json",
            "c.jpg.supplemental-metadata(1).json",
            "d.jpg(2).json",
            "e.jpg.json",
            "F.JPG.SUPPLEMENTAL-METADATA.JSON",
            "g.jpg.suppl.json",
            "h.jpg..json",
        ]
    )
    assert found.sidecar("a.jpg") == "a.jpg.supplemental-metadata.json"
    assert found.sidecar("b.jpg") == "b.jpg.json"
    assert found.sidecar(long) == (long + ".supplemental-metadata")[:46] + ".json"
    assert found.sidecar("c(1).jpg") == "c.jpg.supplemental-metadata(1).json"
    assert found.sidecar("c.jpg") is None
    assert found.sidecar("d(2).jpg") == "d.jpg(2).json"
    assert found.sidecar("e-edited.jpg") == "e.jpg.json"
    assert found.sidecar("f.jpg") == "F.JPG.SUPPLEMENTAL-METADATA.JSON"
    assert found.sidecar("g.jpg") == "g.jpg.suppl.json"
    assert found.sidecar("h.jpg") == "h.jpg..json"
    assert found.sidecar("g.jp") is None and found.sidecar("h.jpeg") is None
    assert max(len(n) for n in sidecar_names("x" * 80 + ".jpg")) > 51  # the whole name first
    assert any(len(n) == 51 for n in sidecar_names("x" * 80 + ".jpg"))  # then as cut


def test_takeout_reader_and_hostile_sidecars(tmp_path: Path) -> None:
    for name in ("a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"):
        (tmp_path / name).write_bytes(b"\xff\xd8")
    fx.write_takeout(tmp_path, {"a.jpg": ["Ann", "Ann", "Bo"]}, {"a.jpg": "supplemental"})
    (tmp_path / "b.jpg.json").write_text('{"people": "nobody"}')
    (tmp_path / "c.jpg.json").write_text("[" * 100_000)  # deeper than any parser allows
    (tmp_path / "d.jpg.json").write_bytes(b" " * (5 * 1024 * 1024))  # over the size cap
    (tmp_path / "e.jpg.json").symlink_to(tmp_path / "a.jpg.supplemental-metadata.json")
    read = read_takeout(tmp_path)
    assert sorted((Path(r.path).name, r.name) for r in read.regions) == [
        ("a.jpg", "Ann"), ("a.jpg", "Bo"),
    ]  # fmt: skip
    problems = {Path(f).name: why for f, why in read.problems}
    assert set(problems) == {"b.jpg.json", "c.jpg.json", "d.jpg.json", "e.jpg.json"}
    assert "symbolic link" in problems["e.jpg.json"] and "too large" in problems["d.jpg.json"]
    with pytest.raises(SourceError):
        read_takeout(tmp_path / "a.jpg")


# -- elimination ----------------------------------------------------------------------------------
def test_one_face_one_name_and_what_is_left_after_placed_names() -> None:
    listed = {1: ["Ann"], 2: ["Ann", "Bo"], 3: ["Cy", "Di"]}
    faces = {1: [10], 2: [20, 21], 3: [30, 31]}
    out = place_names(listed, faces, {}, {21: "bo"})
    assert sorted(out.placed) == [(1, "Ann", 10), (2, "Ann", 20), (2, "Bo", 21)]
    assert sorted(out.ambiguous) == [(3, "Cy"), (3, "Di")]


def test_a_group_seen_with_one_name_is_that_name_and_ties_stay_ambiguous() -> None:
    # Ann (group 1) with a stranger (group 2) in photos 1-3: both faces in each photo
    listed = {1: ["Ann"], 2: ["Ann"], 3: ["Ann"], 4: ["Ann", "Bo"], 5: ["Ann", "Bo"]}
    faces = {1: [10, 11], 2: [20], 3: [30, 31], 4: [40, 41], 5: [50, 51]}
    group = {10: 1, 20: 1, 30: 1, 40: 1, 50: 1, 11: 2, 31: 2, 41: 3, 51: 3}
    out = place_names(listed, faces, group, {})
    placed = {(p, n): f for p, n, f in out.placed}
    # Ann's group: photos 2 (alone) and every other; the stranger's group is seen with Ann
    # twice too, but in those photos Ann's own face already claims the name
    assert placed[(1, "Ann")] == 10 and placed[(3, "Ann")] == 30 and placed[(4, "Ann")] == 40
    assert placed[(4, "Bo")] == 41 and placed[(5, "Bo")] == 51 and out.ambiguous == []
    # a couple always together: nobody can say who is who
    tie = place_names({1: ["A", "B"], 2: ["A", "B"]}, {1: [1, 2], 2: [3, 4]},
                      {1: 1, 3: 1, 2: 2, 4: 2}, {})  # fmt: skip
    assert tie.placed == [] and len(tie.ambiguous) == 4


def test_a_face_the_user_gave_someone_else_is_never_taken() -> None:
    out = place_names({1: ["Ann"]}, {1: [10]}, {}, {10: "Zed"})
    assert out.placed == [] and out.ambiguous == [(1, "Ann")]


# -- the dry run ----------------------------------------------------------------------------------
def test_a_dry_run_decides_the_same_and_writes_nothing(tmp_path: Path) -> None:
    database = Database(tmp_path / "lib.db")
    face = new_face(flat_unit())
    with database.transaction():
        pid = PhotoRepository(database).upsert(
            raw_path=b"/lib/a.jpg", path="/lib/a.jpg", size=1, mtime_ns=1, content_hash="h",
            status="ok", width=200, height=200, orientation=1,
        )  # fmt: skip
        FaceRepository(database).replace_for_photo(pid, [face, face], "p")
    ops = PeopleOps(database)
    ops.create_person("Dora", [2])
    claims = [
        NameClaim(1, "/lib/a.jpg", "Alice", face_id=1),
        NameClaim(1, "/lib/a.jpg", "Erin", face_id=2),
        NameClaim(1, "/lib/a.jpg", "Rex"),  # a face that would be made from its box
    ]
    history = ops.undo_label()
    dry = import_claims(ops, claims, dry_run=True)
    assert ops.repo.by_name("Alice") is None and ops.undo_label() == history
    assert FaceRepository(database).count() == 2
    real = import_claims(ops, claims[:2])
    assert [a[1] for a in dry.assigned] == ["Alice", "Rex"] and len(dry.conflicts) == 1
    assert [a[1] for a in real.assigned] == ["Alice"] and real.conflicts == dry.conflicts


def test_hostile_picasa_files_cost_only_themselves(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    fx.write_picasa(good, [fx.Tag("a.jpg", "Ann", (0.1, 0.1, 0.2, 0.2))], {})
    huge = tmp_path / "huge"
    huge.mkdir()
    with open(huge / ".picasa.ini", "wb") as fh:  # sparse: refused from its size, never read
        fh.truncate(17 * 1024 * 1024)
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "Picasa.ini").write_bytes(bytes(range(256)) * 50 + b"\n[x.jpg]\nfaces=rect64(zz),1")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / ".picasa.ini").symlink_to(good / ".picasa.ini")
    if hasattr(os, "mkfifo"):
        piped = tmp_path / "piped"
        piped.mkdir()
        os.mkfifo(piped / ".picasa.ini")
    read = read_picasa(tmp_path)
    assert [(Path(r.path).parent.name, r.name) for r in read.regions] == [("good", "Ann")]
    problems = {Path(f).parent.name: why for f, why in read.problems}
    assert "too large" in problems["huge"] and "symbolic link" in problems["linked"]
    assert "unreadable face" in problems["garbage"]
    if hasattr(os, "mkfifo"):
        assert "not a regular file" in problems["piped"]
    bomb = tmp_path / "contacts.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        '<contacts><contact id="1" name="&b;"/></contacts>'
    )
    with pytest.raises(SourceError, match="refused"):
        read_picasa(good, bomb)
    with pytest.raises(SourceError, match="no such folder"):
        read_picasa(tmp_path / "missing")


def test_the_command_says_one_line_for_an_unusable_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from faceorganizer.cli.main import run

    (tmp_path / "digikam4.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    db = str(tmp_path / "lib.db")
    for args in (
        ["import", "digikam", str(tmp_path / "digikam4.db")],
        ["import", "takeout", str(tmp_path / "nowhere")],
        ["import", "picasa", str(tmp_path), "--contacts", str(tmp_path / "none.xml")],
        ["import", "digikam", str(tmp_path / "digikam4.db"), "--root", "nothing"],
        ["import", "takeout", str(tmp_path), "--root", "a=b"],
    ):
        assert run([*args, "--db", db]) == 2, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: "), (args, err)
    assert not (tmp_path / "lib.db").exists()  # nothing was created for an unusable source
    Database(db).close()
    assert run(["import", "picasa", str(tmp_path), "--db", db, "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("import: source=picasa files=0 photos=0 names=0 assigned=0")
    assert out[-1].endswith("dry_run=yes")
