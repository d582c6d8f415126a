"""HEIC photos (iPhone): decoded with pillow-heif and their faces found like any JPEG's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_set

pytestmark = pytest.mark.golden


def test_heic_decodes_and_its_face_is_found(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    from PIL import Image

    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.photos.decode import decode_bytes

    source = shared_set("celebrities") / "img1.jpg"
    with Image.open(source) as img:
        rgb = img.convert("RGB")
    heif = pillow_heif.from_pillow(rgb)
    target = tmp_path / "img1.heic"
    heif.save(str(target), quality=90)
    data = target.read_bytes()
    assert data[4:12] in (b"ftypheic", b"ftypmif1", b"ftypheix")  # a real HEIF container

    photo = decode_bytes(data)
    assert photo.format.upper() in ("HEIF", "HEIC")
    assert (photo.width, photo.height) == rgb.size
    assert photo.pixels.ndim == 3 and photo.pixels.dtype == np.uint8

    engine = FaceEngine()
    faces = engine.analyse(photo)
    assert faces, "no face found in the HEIC photo"
    jpeg = decode_bytes(source.read_bytes())
    jpeg_faces = engine.analyse(jpeg)
    x, y, w, h = faces[0].box
    jx, jy, jw, jh = jpeg_faces[0].box
    assert abs(x - jx) < 0.05 * jw and abs(y - jy) < 0.05 * jh  # the same face, same place
    similarity = float(np.dot(faces[0].embedding, jpeg_faces[0].embedding))
    assert similarity > 0.8, similarity
