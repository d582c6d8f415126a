"""Name import pieces without models: the people operation, sidecar namings, frames, layering."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import numpy as np
import pytest

from faceorganizer.core.metadata.names import same_face
from faceorganizer.core.metadata.regions import SidecarFinder, map_point
from faceorganizer.core.people.name_claims import NameClaim, import_claims
from faceorganizer.core.people.ops import PeopleOps
from faceorganizer.core.photos.orientation import orient
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import flat_unit, new_face

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "lib.db")
    with database.transaction():
        pid = PhotoRepository(database).upsert(
            raw_path=b"/lib/a.jpg", path="/lib/a.jpg", size=1, mtime_ns=1, content_hash="h",
            status="ok", width=200, height=200, orientation=1,
        )  # fmt: skip
        FaceRepository(database).replace_for_photo(
            pid, [new_face(flat_unit()), new_face(flat_unit(), box=(120, 10, 50, 50))], "p"
        )
    return database


def test_import_is_one_undoable_operation_returning_its_changes(db: Database) -> None:
    ops = PeopleOps(db)
    new = new_face(flat_unit(), box=(60, 100, 40, 40))
    result = import_claims(
        ops,
        [
            NameClaim(1, "/lib/a.jpg", "Alice", face_id=1),
            NameClaim(1, "/lib/a.jpg", "Rex", new_face=new, pack_id="p"),
        ],
    )
    assert [n for _, n, _ in result.assigned] == ["Alice", "Rex"]
    assert sorted(result.created_people) == ["Alice", "Rex"]
    assert len(result.added_faces) == 1 and result.history_id is not None
    assert result.changes.faces == {1, result.added_faces[0]}
    assert result.changes.created_people and result.changes.label.startswith("Import 2")
    assert ops.repo.by_name("rex") is not None
    undone = ops.undo()
    assert undone is not None and ops.repo.by_name("Alice") is None
    # the face from metadata stays, as a scanned face does; only the names went back
    assert FaceRepository(db).count() == 3


def test_a_confirmed_face_of_someone_else_is_a_conflict(db: Database) -> None:
    ops = PeopleOps(db)
    ops.create_person("Dora", [1])
    result = import_claims(ops, [NameClaim(1, "/lib/a.jpg", "Erin", face_id=1)])
    assert result.assigned == [] and "confirmed as Dora" in result.conflicts[0][3]
    assert result.history_id is None and not result.changes
    again = import_claims(ops, [NameClaim(1, "/lib/a.jpg", "dora", face_id=1)])
    assert again.already == [("/lib/a.jpg", "dora", 1)]


def test_sidecars_by_every_naming_and_bare_ones(tmp_path: Path) -> None:
    for name in ("IMG_1.JPG", "IMG_1.CR2.xmp", "img_1.XMP", "IMG_1.JPG.XMP", "b.jpg",
                 "b.jpg.xmp", "ghost.jpg.xmp", "c.png"):  # fmt: skip
        (tmp_path / name).write_text("x")
    finder = SidecarFinder()
    assert [p.name for p in finder.sidecars(tmp_path / "IMG_1.JPG")] == [
        "IMG_1.JPG.XMP", "img_1.XMP", "IMG_1.CR2.xmp",
    ]  # fmt: skip
    assert [p.name for p in finder.sidecars(tmp_path / "b.jpg")] == ["b.jpg.xmp"]
    assert finder.sidecars(tmp_path / "c.png") == []
    assert [p.name for p in finder.orphans(tmp_path)] == ["ghost.jpg.xmp"]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orient_moves_pixels_as_the_region_frames_say(orientation: int) -> None:
    stored = np.zeros((30, 50, 3), np.uint8)
    stored[6, 40] = 255  # a marked pixel at (u, v) of the stored frame
    shown = orient(stored, orientation)
    ys, xs = np.nonzero(shown[:, :, 0])
    u, v = map_point((40 + 0.5) / 50, (6 + 0.5) / 30, orientation)
    assert (xs[0] + 0.5) / shown.shape[1] == pytest.approx(u)
    assert (ys[0] + 0.5) / shown.shape[0] == pytest.approx(v)


def test_matching_rule() -> None:
    face = (100.0, 100.0, 100.0, 120.0)
    assert same_face((105, 110, 95, 110), face) > 0.8
    head = (60.0, 50.0, 180.0, 230.0)  # a whole-head box: IoU 0.29, centres inside each other
    assert same_face(head, face) == pytest.approx(0.3)
    assert same_face((300, 300, 50, 50), face) == 0


def test_scan_does_not_import_the_export_package() -> None:
    tree = ast.parse((REPO / "faceorganizer/core/faces/scan.py").read_text())
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
    assert not [m for m in imported if m.startswith("faceorganizer.core.export")]
    assert "faceorganizer.core.metadata.names" in imported
    assert os.path.exists(REPO / "faceorganizer/core/store/regions.py")


def test_names_from_files_are_cleaned_as_every_stored_name_is(db: Database, tmp_path: Path) -> None:
    """An invisible character in a tool's name never makes a second person of that name."""
    from faceorganizer.core.metadata.names import import_names

    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xd9")
    with db.transaction():
        db.conn.execute(
            "UPDATE photos SET path = ?, raw_path = ? WHERE id = 1", (str(photo), bytes(photo))
        )
    region = (
        '<rdf:li rdf:parseType="Resource"><mwg-rs:Name>{}</mwg-rs:Name><mwg-rs:Type>Face'
        '</mwg-rs:Type><mwg-rs:Area stArea:x="0.175" stArea:y="0.175" stArea:w="0.25"'
        ' stArea:h="0.25" stArea:unit="normalized"/></rdf:li>'
    )
    (tmp_path / "a.jpg.xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
        ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"'
        ' xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"><mwg-rs:Regions'
        ' rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>'
        + region.format("A\u200bnn\u202e")
        + "</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF>"
        "</x:xmpmeta>",
        encoding="utf-8",
    )
    PeopleOps(db).create_person("Ann", [2])
    report = import_names(db)
    assert [(n, f) for _, n, f in report.result.assigned] == [("Ann", 1)], report
    assert report.result.created_people == []
