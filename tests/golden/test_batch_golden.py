"""The batched path (a GPU's) finds the same faces and vectors as one photo at a time."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from faceorganizer.core.faces.pipeline import FaceEngine
from faceorganizer.core.faces.scan import ScanOptions
from faceorganizer.core.faces.scan_process import start_scan
from faceorganizer.core.photos.decode import decode_bytes
from faceorganizer.core.records import EngineOptions
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from tests.conftest import shared_set

pytestmark = pytest.mark.golden

PHOTOS = (
    ("celebrities", "couple.jpg"),
    ("celebrities", "selfie-many-people.jpg"),
    ("snapshots", "Male_24_1_7.jpg"),
    ("snapshots", "Male_24_13.jpg"),
    ("snapshots", "Male_24_3_1_1.jpg"),
    ("snapshots", "Female_40_1_1_1.jpg"),
    ("snapshots", "Female_41_2_4.jpg"),
    ("snapshots", "Female_42_1_3_1.jpg"),
    ("snapshots", "Female_42_6_1.jpg"),
    ("snapshots", "Mlae_43_2_1.jpg"),
)


class _CountingSession:
    """Counts the images each detector call carried."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self.batches: list[int] = []

    def run(self, names: Any, feeds: dict[str, np.ndarray]) -> Any:
        self.batches.append(int(next(iter(feeds.values())).shape[0]))
        return self._session.run(names, feeds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def test_batched_faces_match_one_photo_at_a_time() -> None:
    engine = FaceEngine(EngineOptions(device="cpu", threads=1))
    photos = []
    for folder, name in PHOTOS:
        path = shared_set(folder) / name
        photos.append(decode_bytes(path.read_bytes(), name=str(path)))
    alone = [engine.analyse(p) for p in photos]
    counting = _CountingSession(engine.detector.session)  # type: ignore[attr-defined]
    engine.detector.session = counting  # type: ignore[attr-defined]
    together = engine.analyse_batch(photos)
    assert max(counting.batches) >= 2, "no two photos shared a bucket: nothing was batched"
    n_faces = 0
    for (_, name), one, many in zip(PHOTOS, alone, together, strict=True):
        assert len(one) == len(many), name
        for a, b in zip(one, many, strict=True):  # both largest first
            assert np.abs(np.subtract(a.box, b.box)).max() <= 1.0, name
            assert float(np.dot(a.embedding, b.embedding)) >= 0.999, name
            n_faces += 1
    assert n_faces >= 12


def test_scan_in_a_child_process_stores_real_faces(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for name in ("couple.jpg", "selfie-many-people.jpg"):
        shutil.copy2(shared_set("celebrities") / name, lib / name)
    db_path = tmp_path / "lib.db"
    handle = start_scan(
        db_path, [str(lib)], ScanOptions(engine_options=EngineOptions(device="cpu", threads=1))
    )
    summary = handle.wait(timeout=300)
    assert summary.processed == 2 and summary.faces_found >= 6
    with Database(db_path, readonly=True) as db:
        assert len(FaceRepository(db).rows()) == summary.faces_found
