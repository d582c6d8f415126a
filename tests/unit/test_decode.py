from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from faceorganizer.core.photos.decode import DecodeError, decode_bytes


def _jpeg(w: int, h: int, orientation: int | None = None, mode: str = "RGB") -> bytes:
    img = Image.new(mode, (w, h), (200, 10, 10) if mode == "RGB" else 128)
    if mode == "RGB":
        img.paste((10, 200, 10), (0, 0, w // 2, h // 2))  # green top-left quarter
    buf = io.BytesIO()
    kwargs = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif.tobytes()
    img.save(buf, "JPEG", quality=92, **kwargs)
    return buf.getvalue()


def test_exif_orientation_is_applied() -> None:
    d = decode_bytes(_jpeg(400, 200, orientation=6))
    assert (d.width, d.height) == (200, 400)
    assert d.pixels.shape[:2] == (400, 200)
    assert d.orientation == 6
    # orientation 6 rotates 90° clockwise: the green top-left quarter ends top-right
    top_right = d.pixels[50, 150]
    assert top_right[1] > 150 and top_right[2] < 80


def test_large_jpeg_is_decoded_at_reduced_scale() -> None:
    d = decode_bytes(_jpeg(4000, 3000), work_long_side=1000)
    assert (d.width, d.height) == (4000, 3000)
    assert max(d.pixels.shape[:2]) <= 1500
    assert d.scale == pytest.approx(4000 / d.pixels.shape[1])


def test_pixel_limit_rejects_bombs_from_the_header() -> None:
    # a PNG whose header claims 60000×60000 pixels, with no real data behind it
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    png = (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )
    png += struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    with pytest.raises(DecodeError, match="too large"):
        decode_bytes(png)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"hello, I am text", "not an image"),
        (np.random.default_rng(1).bytes(5000), "not an image"),
    ],
)
def test_bad_bytes_give_reasons(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode_bytes(data)


def test_truncated_jpeg_is_a_decode_error() -> None:
    data = _jpeg(600, 400)
    with pytest.raises(DecodeError, match="corrupt or truncated"):
        decode_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("mode", ["L", "CMYK", "RGBA", "I;16", "P"])
def test_modes_become_bgr(mode: str) -> None:
    img = Image.new("RGB", (64, 48), (30, 60, 90)).convert(mode) if mode != "I;16" else None
    buf = io.BytesIO()
    if mode == "I;16":
        img16 = Image.fromarray(np.full((48, 64), 40000, np.uint16))
        img16.save(buf, "PNG")
    else:
        assert img is not None
        img.save(buf, "JPEG" if mode in ("L", "CMYK") else "PNG")
    d = decode_bytes(buf.getvalue())
    assert d.pixels.shape == (48, 64, 3) and d.pixels.dtype == np.uint8


def test_multi_frame_uses_first_frame() -> None:
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    d = decode_bytes(buf.getvalue())
    assert d.pixels.shape == (32, 32, 3)
