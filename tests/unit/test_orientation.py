"""One EXIF orientation: the decoder and a region stood upright turn pixels the same way."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageOps

from faceorganizer.core.faces import from_region
from faceorganizer.core.photos import decode
from faceorganizer.core.photos.orientation import orient

ORIENTATION_TAG = 0x0112


def _stored(seed: int = 7) -> np.ndarray:
    """An RGB image that looks different under every turn and flip (not square, no symmetry)."""
    return np.random.default_rng(seed).integers(0, 256, (24, 40, 3), dtype=np.uint8)


def _png(rgb: np.ndarray, orientation: int) -> bytes:
    image = Image.fromarray(rgb)
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = orientation
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif)  # lossless, so pixels compare exactly
    return out.getvalue()


def test_the_region_path_and_the_decoder_share_one_turn() -> None:
    assert from_region.orient is orient
    assert decode.orient is orient


@pytest.mark.parametrize("orientation", range(1, 9))
def test_both_paths_give_the_same_pixels(orientation: int) -> None:
    rgb = _stored()
    data = _png(rgb, orientation)
    # what Pillow shows for the file: the reference both must match
    shown = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
    bgr_stored = np.ascontiguousarray(rgb[:, :, ::-1])

    decoded = decode.decode_bytes(data, name=f"o{orientation}.png")  # the decoder's path
    region = from_region.orient(bgr_stored, orientation)  # a region's crop stood upright

    assert decoded.orientation == orientation
    assert np.array_equal(decoded.pixels, shown[:, :, ::-1])
    assert np.array_equal(region, decoded.pixels)
    # OpenCV turns 8-bit colour; anything else (here float) goes through numpy: the same result
    as_float = orient(bgr_stored.astype(np.float32), orientation)
    assert np.array_equal(as_float.astype(np.uint8), region)
    assert region.flags["C_CONTIGUOUS"]
