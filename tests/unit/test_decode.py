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


@pytest.mark.parametrize(
    ("size", "mode", "orientation", "work_long_side"),
    [
        ((640, 480), "RGB", None, 1600),
        ((301, 199), "L", 6, 1600),  # odd sides, grey, turned
        ((4000, 3000), "RGB", 8, 1000),  # DCT-scaled to a quarter
        ((3001, 2001), "RGB", 3, 1600),  # DCT-scaled to half, odd sides
    ],
)
def test_jpeg_pixels_are_pillows_to_the_bit(
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
    mode: str,
    orientation: int | None,
    work_long_side: int,
) -> None:
    from faceorganizer.core.photos import decode

    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    img = Image.fromarray(noise).convert(mode)
    buf = io.BytesIO()
    kwargs = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif.tobytes()
    img.save(buf, "JPEG", quality=90, **kwargs)
    data = buf.getvalue()
    real, taken = decode._jpeg_bgr, []

    def spy(*args: object) -> object:
        out = real(*args)  # type: ignore[arg-type]
        taken.append(out is not None)
        return out

    monkeypatch.setattr(decode, "_jpeg_bgr", spy)
    fast = decode_bytes(data, work_long_side=work_long_side)
    assert taken == [True], "the JPEG did not take OpenCV's way"
    monkeypatch.setattr(decode, "_jpeg_bgr", lambda *a: None)  # Pillow decodes it all
    slow = decode_bytes(data, work_long_side=work_long_side)
    assert fast.pixels.shape == slow.pixels.shape
    assert np.array_equal(fast.pixels, slow.pixels)
    assert (fast.width, fast.height, fast.scale) == (slow.width, slow.height, slow.scale)
