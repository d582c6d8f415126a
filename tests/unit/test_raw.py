"""Camera RAW files: the embedded preview is decoded upright and its face is found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceorganizer.core.photos.decode import DecodeError, decode_bytes, is_raw_name
from tests.conftest import shared_set

pytestmark = pytest.mark.golden


def make_dng(path: Path, preview: np.ndarray) -> None:
    """A minimal DNG: an RGB preview in IFD0 and a small CFA raw image in a SubIFD."""
    import tifffile

    cfa = np.random.default_rng(0).integers(0, 4095, (64, 96)).astype(np.uint16)
    with tifffile.TiffWriter(path) as tif:
        tif.write(
            preview,
            photometric="rgb",
            subfiletype=1,
            subifds=1,
            extratags=[
                (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
                (50708, "s", 0, "Test Camera", True),  # UniqueCameraModel
                (271, "s", 0, "Test", True),
                (272, "s", 0, "Camera", True),
            ],
        )
        tif.write(
            cfa,
            photometric=32803,  # CFA
            subfiletype=0,
            extratags=[
                (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
                (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern RGGB
                (50717, "I", 1, 4095, True),  # WhiteLevel
            ],
        )


def test_raw_names() -> None:
    assert is_raw_name("IMG_0001.CR2") and is_raw_name("a.dng") and not is_raw_name("a.jpg")


def test_dng_preview_is_decoded_and_its_face_found(tmp_path: Path) -> None:
    from faceorganizer.core.faces.pipeline import FaceEngine

    photo = Image.open(shared_set("celebrities") / "img1.jpg").convert("RGB")
    preview = np.asarray(photo)
    dng = tmp_path / "camera.dng"
    make_dng(dng, preview)
    decoded = decode_bytes(dng.read_bytes(), name=str(dng))
    assert decoded.format == "RAW"
    assert (decoded.width, decoded.height) == (photo.width, photo.height)
    faces = FaceEngine().analyse(decoded)
    assert len(faces) >= 1


def test_a_broken_raw_file_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="RAW"):
        decode_bytes(b"II*\x00 not really a raw file" * 10, name="broken.nef")
