"""The two costs of issue 25's point 5: a huge folder, and a sidecar with many named regions.

    .venv/bin/python benchmarks/metadata_scale.py --photos 50000      # one folder of N photos
    .venv/bin/python benchmarks/metadata_scale.py --regions 10000     # one sidecar, N names

``--photos``: N copies of one 8×8 JPEG (no face) in one folder, scanned by ``scan_library`` with
an engine that finds no face (the models' time is not what is measured: walking, reading,
writing and looking up each photo's sidecars is), with the name import the CLI's scan runs.
``--regions``: one 640×480 photo with a ``photo.jpg.xmp`` of N named MWG face regions, scanned
by the same stub, then ``import_names`` with the real default engine (faces from metadata are
embedded from their crops). Prints seconds, and people made. Figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _NoFaces:
    """An engine that finds no face (the scan's plumbing is what is timed)."""

    device = "cpu"

    class pack:  # noqa: N801 - mimics FaceEngine.pack
        id = "stub"

    def analyse(self, photo: Any) -> list[Any]:
        return []

    def analyse_batch(self, photos: list[Any]) -> list[list[Any]]:
        return [[] for _ in photos]


def _jpeg(w: int, h: int) -> bytes:
    arr = np.random.default_rng(0).integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr, "RGB").save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _sidecar(n: int) -> str:
    items = []
    for i in range(n):
        x, y = 0.05 + (i % 90) / 100, 0.05 + (i // 90 % 90) / 100
        items.append(
            '<rdf:li rdf:parseType="Resource">'
            f'<mwg-rs:Area stArea:x="{x}" stArea:y="{y}" stArea:w="0.04" stArea:h="0.05" '
            f'stArea:unit="normalized"/><mwg-rs:Name>Person {i}</mwg-rs:Name>'
            "<mwg-rs:Type>Face</mwg-rs:Type></rdf:li>"
        )
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
        'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"><mwg-rs:Regions '
        'rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>'
        + "".join(items)
        + "</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF>"
        "</x:xmpmeta>"
    )


def _folder(base: Path, n: int) -> None:
    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.metadata.names import import_names
    from faceorganizer.core.store.db import Database

    folder = base / "lib"
    folder.mkdir()
    data = _jpeg(8, 8)
    for i in range(n):
        (folder / f"p{i:06d}.jpg").write_bytes(data + i.to_bytes(4, "big"))  # distinct hashes
    with Database(base / "lib.db") as db:
        start = time.perf_counter()
        s = scan_library(db, [str(folder)], engine=[_NoFaces()], import_names=import_names)  # type: ignore[list-item]
        took = time.perf_counter() - start
    print(
        f"photos={n}: scan with the name import {took:.1f} s (processed={s.processed}"
        f" problems={len(s.metadata_problems)})"
    )


def _regions(base: Path, n: int) -> None:
    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.metadata.names import import_names
    from faceorganizer.core.records import EngineOptions
    from faceorganizer.core.store.db import Database

    folder = base / "lib"
    folder.mkdir()
    (folder / "crowd.jpg").write_bytes(_jpeg(640, 480))
    (folder / "crowd.jpg.xmp").write_text(_sidecar(n))
    with Database(base / "lib.db") as db:
        scan_library(db, [str(folder)], engine=[_NoFaces()])  # type: ignore[list-item]
        engine = FaceEngine(EngineOptions())
        start = time.perf_counter()
        report = import_names(db, engine=engine)
        took = time.perf_counter() - start
        people = db.conn.execute("SELECT count(*) FROM people").fetchone()[0]
    print(
        f"regions={n}: name import {took:.1f} s, people={people},"
        f" from_metadata={report.counts.from_metadata}, problems={len(report.skipped)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=0)
    parser.add_argument("--regions", type=int, default=0)
    args = parser.parse_args()
    print("load average:", " ".join(f"{v:.2f}" for v in os.getloadavg()))
    base = Path(tempfile.mkdtemp(prefix="fo-metadata-scale-"))
    try:
        if args.photos:
            (base / "a").mkdir()
            _folder(base / "a", args.photos)
        if args.regions:
            (base / "b").mkdir()
            _regions(base / "b", args.regions)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print("load average:", " ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
