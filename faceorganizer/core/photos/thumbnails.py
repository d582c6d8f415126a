"""Small pictures of faces and photos, cached on disk in the user's data folder (no Qt here).

The cache lives under ``data_dir()/thumbnails`` (folders 0700, files 0600) and is keyed by the
photo's absolute path, size and modification time, the requested size and, for faces, the box:
a changed photo gets new thumbnails. Nothing is ever written next to a photo.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from pathlib import Path

import numpy as np

from faceorganizer.core.photos.decode import DecodedPhoto, decode_bytes, open_image, read_photo_file
from faceorganizer.core.settings import data_dir

log = logging.getLogger(__name__)

FACE_MARGIN = 0.35  # share of the face box added on every side
CACHE_VERSION = 1
MAX_WORK_LONG_SIDE = 4096

Box = tuple[float, float, float, float]


def cache_dir() -> Path:
    """The thumbnail folder, created readable by the user only."""
    home = data_dir()
    if not home.is_dir():
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = home / "thumbnails"
    if not folder.is_dir():
        folder.mkdir(exist_ok=True, mode=0o700)
    try:
        if folder.stat().st_mode & 0o077:
            os.chmod(folder, 0o700)
    except OSError as exc:  # pragma: no cover - read-only data folder
        log.debug("cannot tighten %s: %s", folder, exc)
    return folder


def _cache_path(kind: str, path: str, size: int, box: Box | None) -> Path | None:
    """Where a thumbnail of this photo state is cached; None when the photo cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    box_text = "" if box is None else ",".join(f"{v:.1f}" for v in box)
    key = "|".join(
        map(str, (CACHE_VERSION, kind, os.path.abspath(path), st.st_size, st.st_mtime_ns, size))
    )
    key += f"|{box_text}"
    digest = hashlib.blake2b(key.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
    return cache_dir() / digest[:2] / f"{digest}.png"


def preload() -> None:
    """Import the image codec thumbnails are read with (a caller's warm-up; see
    ``library.scanning.prepare_scan``)."""
    import cv2  # noqa: F401 - imported for its side effect


def _load_cached(file: Path | None) -> np.ndarray | None:
    if file is None or not file.is_file():
        return None
    import cv2

    data = np.fromfile(str(file), dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    return img if img is not None and img.size else None


def _store(file: Path | None, img: np.ndarray) -> None:
    """Write a cache file whole (temporary name, then rename), 0600 in a 0700 folder."""
    if file is None:
        return
    import cv2

    ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        return
    try:
        file.parent.mkdir(mode=0o700, exist_ok=True)
        tmp = file.with_name(f".tmp-{uuid.uuid4().hex}")
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(buf.tobytes())
            os.replace(tmp, file)
        finally:
            if tmp.exists():
                tmp.unlink()
    except OSError as exc:
        log.debug("cannot cache thumbnail %s: %s", file, exc)


def _header_long_side(data: bytes) -> int | None:
    """The long side of an image from its header only (orientation does not change it)."""
    try:
        with open_image(data) as img:
            return int(max(img.size))
    except Exception:  # noqa: BLE001 - decode_bytes reports the real reason
        return None


def _square_crop(pixels: np.ndarray, cx: float, cy: float, side: float) -> np.ndarray:
    """A square of ``side`` pixels centred on (cx, cy), padded with grey outside the photo."""
    half = side / 2.0
    x0, y0 = int(round(cx - half)), int(round(cy - half))
    s = max(1, int(round(side)))
    h, w = pixels.shape[:2]
    out = np.full((s, s, 3), 40, dtype=np.uint8)
    sx0, sy0 = max(0, x0), max(0, y0)
    sx1, sy1 = min(w, x0 + s), min(h, y0 + s)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = pixels[sy0:sy1, sx0:sx1]
    return out


def _face_side(box: Box) -> float:
    """The side, in full-resolution pixels, of the square a face thumbnail shows."""
    return max(float(box[2]), float(box[3]), 1.0) * (1.0 + 2.0 * FACE_MARGIN)


def _face_picture(photo: DecodedPhoto, box: Box, size: int) -> np.ndarray:
    """The face's square (with margin) from a decoded photo, resized to ``size``."""
    import cv2

    x, y, w, h = (float(v) for v in box)
    k = 1.0 / photo.scale
    crop = _square_crop(photo.pixels, (x + w / 2) * k, (y + h / 2) * k, _face_side(box) * k)
    interp = cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_LINEAR
    return cv2.resize(crop, (size, size), interpolation=interp)


def face_thumbnail(path: str, box: Box, size: int = 128, *, use_cache: bool = True) -> np.ndarray:
    """A ``size``×``size`` BGR picture of one face with some margin around its box.

    ``box`` is x, y, w, h in full-resolution displayed coordinates (as stored for faces).
    Raises OSError or DecodeError when the photo cannot be read.
    """
    cached = _cache_path("face", path, size, box) if use_cache else None
    hit = _load_cached(cached)
    if hit is not None:
        return hit

    data = read_photo_file(path)
    side_full = _face_side(box)
    long_side = _header_long_side(data)
    work = size * 2
    if long_side:
        work = int(min(MAX_WORK_LONG_SIDE, max(size, long_side * size / side_full)))
    photo = decode_bytes(data, work_long_side=work, name=str(path))
    thumb = _face_picture(photo, box, size)
    if use_cache:
        _store(cached, thumb)
    return np.ascontiguousarray(thumb)


def store_face_thumbnails(
    path: str, photo: DecodedPhoto, boxes: list[Box], size: int = 128, min_source: int = 96
) -> int:
    """Cache the thumbnails of a photo's faces from an image already decoded (by a scan).

    A face is cached only when the decoded image holds at least ``min_source`` pixels across
    its thumbnail, so no thumbnail is blurrier than one ``face_thumbnail`` would make; the rest
    are made on demand. Returns how many were written.
    """
    written = 0
    for box in boxes:
        if _face_side(box) / photo.scale < min_source:
            continue
        target = _cache_path("face", path, size, box)
        if target is None or target.is_file():
            continue
        _store(target, _face_picture(photo, box, size))
        written += 1
    return written


def photo_thumbnail(path: str, size: int = 256, *, use_cache: bool = True) -> np.ndarray:
    """A BGR picture of a whole photo whose long side is ``size`` (aspect kept)."""
    cached = _cache_path("photo", path, size, None) if use_cache else None
    hit = _load_cached(cached)
    if hit is not None:
        return hit
    import cv2

    data = read_photo_file(path)
    photo = decode_bytes(data, work_long_side=size, name=str(path))
    h, w = photo.pixels.shape[:2]
    r = size / max(h, w)
    new = (max(1, round(w * r)), max(1, round(h * r)))
    interp = cv2.INTER_AREA if r < 1 else cv2.INTER_LINEAR
    thumb = cv2.resize(photo.pixels, new, interpolation=interp)
    if use_cache:
        _store(cached, thumb)
    return np.ascontiguousarray(thumb)
