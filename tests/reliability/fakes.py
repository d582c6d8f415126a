"""Small stand-ins for the reliability tests that exercise the scan's plumbing, not its models."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faceorganizer.core.records import NewFace
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face


def fake_face(seed: int = 0) -> NewFace:
    return new_face(seed=seed, box=(10.0, 10.0, 20.0, 20.0), size_px=20.0, blur=200.0)


@dataclass
class _Pack:
    id: str = "fake-pack"


@dataclass
class FakeEngine:
    """Finds one face in every photo; ``hold`` makes the n-th photo wait for an event."""

    pack: _Pack = field(default_factory=_Pack)
    device: str = "cpu"
    calls: int = 0
    hold_at: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def analyse(self, photo: Any) -> list[NewFace]:
        self.calls += 1
        if self.hold_at is not None and self.calls == self.hold_at:
            self.holding.set()
            self.release.wait(30)
        return [fake_face(self.calls)]

    def analyse_batch(self, photos: list[Any]) -> list[list[NewFace]]:
        return [self.analyse(photo) for photo in photos]


def small_library(path: Path, photos: int = 3, faces_per_photo: int = 1) -> Database:
    """A database of ``photos`` photos with fake faces (no models involved)."""
    db = Database(path)
    repo, faces = PhotoRepository(db), FaceRepository(db)
    with db.transaction():
        for i in range(photos):
            pid = repo.upsert(
                raw_path=f"/lib/p{i}.jpg".encode(),
                path=f"/lib/p{i}.jpg",
                size=1,
                mtime_ns=1,
                content_hash=f"h{i}",
                status="ok",
            )
            faces.replace_for_photo(
                pid, [fake_face(i * 10 + k) for k in range(faces_per_photo)], "fake-pack"
            )
    return db
