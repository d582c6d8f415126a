"""Hostile sidecars end cleanly: deep nesting, entities, huge and non-regular files (issue 19).

One bad sidecar never costs the names of other photos; ``xmp write`` prepares every sidecar
before writing any, reports what it left alone, and never hangs on a FIFO.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceorganizer.core.export import xmp
from faceorganizer.core.metadata.names import import_names
from faceorganizer.core.metadata.regions import read_photo_regions
from faceorganizer.core.people.ops import PeopleOps
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face
from tests.xmp_corpus import deep_sidecar

BOX = (40.0, 30.0, 60.0, 80.0)  # on a 200×200 photo


def _sidecar(name: str) -> str:
    x, y, w, h = (v / 200 for v in BOX)
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
        'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"><mwg-rs:Regions '
        'rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag><rdf:li rdf:parseType="Resource">'
        f'<mwg-rs:Area stArea:x="{x + w / 2}" stArea:y="{y + h / 2}" stArea:w="{w}" '
        f'stArea:h="{h}" stArea:unit="normalized"/><mwg-rs:Name>{name}</mwg-rs:Name>'
        "<mwg-rs:Type>Face</mwg-rs:Type></rdf:li></rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def _library(root: Path, count: int, *, named: bool) -> tuple[Database, list[Path]]:
    """``count`` 200×200 photos with one stored face each (named P0, P1… when ``named``)."""
    root.mkdir()
    db = Database(root.parent / "lib.db")
    photos, faces = PhotoRepository(db), FaceRepository(db)
    paths, face_ids = [], []
    rng = np.random.default_rng(1)
    with db.transaction():
        for i in range(count):
            path = root / f"p{i:02d}.jpg"
            Image.new("RGB", (200, 200), (i * 10, 90, 90)).save(path)
            pid = photos.upsert(
                raw_path=os.fsencode(path), path=str(path), size=1, mtime_ns=1,
                content_hash=f"h{i}", status="ok", width=200, height=200, orientation=1,
            )  # fmt: skip
            vec = rng.normal(size=128).astype(np.float32)
            face = new_face(vec / 50, box=BOX, size_px=60)
            face_ids += faces.replace_for_photo(pid, [face], "p")
            paths.append(path)
    if named:
        ops = PeopleOps(db)
        for i, face_id in enumerate(face_ids):
            ops.create_person(f"P{i}", [face_id])
    return db, paths


def test_a_deeply_nested_sidecar_costs_only_its_own_photo(tmp_path: Path) -> None:
    db, paths = _library(tmp_path / "lib", 13, named=False)
    for i, path in enumerate(paths):
        text = deep_sidecar(3000) if i == 8 else _sidecar(f"Name {i}")
        Path(f"{path}.xmp").write_text(text)
    report = import_names(db)
    assert len(report.result.assigned) == 12
    assert [p for p, _ in report.skipped] == [str(paths[8])]
    assert "nested deeper" in report.skipped[0][1]
    db.close()


def test_xmp_write_prepares_every_sidecar_first_and_reports_the_bad_one(tmp_path: Path) -> None:
    db, paths = _library(tmp_path / "lib", 13, named=True)
    for i, path in enumerate(paths):
        Path(f"{path}.xmp").write_text(deep_sidecar(3000) if i == 8 else _sidecar(f"P{i}"))
    deep = Path(f"{paths[8]}.xmp")
    deep_bytes = deep.read_bytes()
    dry = xmp.write_sidecars(db, dry_run=True)
    assert len(dry.written) == 12 and len(dry.skipped) == 1 and not dry.failed
    report = xmp.write_sidecars(db)
    assert len(report.written) == 12 and not report.failed
    assert report.skipped == [(str(deep), report.skipped[0][1])]
    assert "nested deeper" in report.skipped[0][1]
    assert deep.read_bytes() == deep_bytes
    db.close()


def test_a_failed_write_is_reported_and_the_others_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, paths = _library(tmp_path / "lib", 4, named=True)
    real = xmp._atomic_write

    def flaky(path: Path, text: str) -> None:
        if path.name.startswith("p02"):
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(xmp, "_atomic_write", flaky)
    report = xmp.write_sidecars(db)
    assert [Path(p).name for p, _ in report.failed] == ["p02.jpg.xmp"]
    assert "No space left" in report.failed[0][1]
    assert sorted(p.name for p in (tmp_path / "lib").glob("*.xmp")) == [
        "p00.jpg.xmp", "p01.jpg.xmp", "p03.jpg.xmp",
    ]  # fmt: skip
    db.close()


def test_entity_expansion_and_doctype_are_refused(tmp_path: Path) -> None:
    photo = tmp_path / "a.jpg"
    Image.new("RGB", (50, 50)).save(photo)
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    Path(f"{photo}.xmp").write_text(laughs + _sidecar("&c;"))
    found = read_photo_regions(photo)
    assert found.regions == [] and "refused" in found.problems[0]


def test_a_huge_sidecar_is_refused_without_being_read(tmp_path: Path) -> None:
    photo = tmp_path / "a.jpg"
    Image.new("RGB", (50, 50)).save(photo)
    huge = Path(f"{photo}.xmp")
    with open(huge, "wb") as fh:
        fh.truncate(10 * 1024**3)  # sparse: 10 GB that take no disk
    found = read_photo_regions(photo)
    assert found.regions == [] and "too large" in found.problems[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.timeout(60)
def test_a_fifo_sidecar_never_hangs_import_or_write(tmp_path: Path) -> None:
    db, paths = _library(tmp_path / "lib", 2, named=True)
    fifo = Path(f"{paths[0]}.xmp")
    os.mkfifo(fifo)
    results: dict[str, object] = {}

    def work() -> None:
        results["read"] = read_photo_regions(paths[0])
        results["write"] = xmp.write_sidecars(db)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(20)
    if thread.is_alive():  # unblock the reader so the test process can end
        with open(fifo, "wb"):
            pass
        pytest.fail("reading or writing a FIFO sidecar hung")
    read = results["read"]
    assert "not a regular file" in read.problems[0]  # type: ignore[attr-defined]
    write = results["write"]
    assert [Path(p).name for p, _ in write.skipped] == ["p00.jpg.xmp"]  # type: ignore[attr-defined]
    assert "not a regular file" in write.skipped[0][1]  # type: ignore[attr-defined]
    assert fifo.is_fifo()
    db.close()
