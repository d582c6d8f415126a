"""Headless thumbnails: crop around the face, private on-disk cache keyed by mtime."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest

from faceorganizer.core.photos import thumbnails
from faceorganizer.core.settings import data_dir
from tests.conftest import shared_set


@pytest.fixture()
def photo(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    src = sorted(shared_set("celebrities").glob("*.jpg"))[0]
    dest = folder / src.name
    shutil.copy2(src, dest)
    return dest


def _cache_files() -> list[Path]:
    return [p for p in (data_dir() / "thumbnails").rglob("*") if p.is_file()]


def test_face_thumbnail_is_square_bgr_and_cached_privately(photo: Path) -> None:
    box = (40.0, 30.0, 80.0, 100.0)
    img = thumbnails.face_thumbnail(str(photo), box, 96)
    assert img.shape == (96, 96, 3) and img.dtype == np.uint8
    files = _cache_files()
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    for folder in (data_dir() / "thumbnails", files[0].parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in photo.parent.iterdir()) == [photo.name]  # nothing next to it


def test_cache_is_used_and_follows_the_photo_mtime(
    photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = (10.0, 10.0, 50.0, 50.0)
    first = thumbnails.face_thumbnail(str(photo), box)

    def no_decode(*_a: object, **_k: object) -> None:
        raise AssertionError("decoded although cached")

    with monkeypatch.context() as m:
        m.setattr(thumbnails, "decode_bytes", no_decode)
        assert np.array_equal(thumbnails.face_thumbnail(str(photo), box), first)
    os.utime(photo, (1_000_000_000, 1_000_000_000))
    thumbnails.face_thumbnail(str(photo), box)
    assert len(_cache_files()) == 2
    thumbnails.face_thumbnail(str(photo), (11.0, 10.0, 50.0, 50.0))
    assert len(_cache_files()) == 3


def test_face_near_the_edge_is_padded(photo: Path) -> None:
    img = thumbnails.face_thumbnail(str(photo), (0.0, 0.0, 20.0, 20.0), 64, use_cache=False)
    assert img.shape == (64, 64, 3)
    assert int(img[0, 0].sum()) == 3 * 40  # grey padding outside the photo


def test_photo_thumbnail_keeps_the_aspect(photo: Path) -> None:
    img = thumbnails.photo_thumbnail(str(photo), 200)
    assert max(img.shape[:2]) == 200 and img.shape[2] == 3


def test_unreadable_photo_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        thumbnails.face_thumbnail(str(tmp_path / "missing.jpg"), (0, 0, 1, 1))
